//go:build tools

// Package tools pins the Velero the test bed builds (its CLI and server are one binary).
package tools

import _ "github.com/vmware-tanzu/velero/cmd/velero"
