// The test bed's TCP forwarder (standard library only).
module lifeboat.test/testbed/forward

go 1.25.0
