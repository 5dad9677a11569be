// Command registrar registers a CSI driver with one kubelet: it serves kubelet's plugin-registration API
// on a socket in the kubelet's plugins_registry folder, naming the driver and the socket the driver listens
// on. It does what node-driver-registrar does for the test bed (that one is not on the Go module proxy).
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	registerapi "k8s.io/kubelet/pkg/apis/pluginregistration/v1"
)

type registration struct {
	registerapi.UnimplementedRegistrationServer
	driver, endpoint string
}

func (r *registration) GetInfo(context.Context, *registerapi.InfoRequest) (*registerapi.PluginInfo, error) {
	return &registerapi.PluginInfo{
		Type:              registerapi.CSIPlugin,
		Name:              r.driver,
		Endpoint:          r.endpoint,
		SupportedVersions: []string{"1.0.0"},
	}, nil
}

func (r *registration) NotifyRegistrationStatus(_ context.Context, status *registerapi.RegistrationStatus) (*registerapi.RegistrationStatusResponse, error) {
	if status.PluginRegistered {
		log.Printf("kubelet registered %s", r.driver)
	} else {
		log.Printf("kubelet refused %s: %s", r.driver, status.Error)
	}
	return &registerapi.RegistrationStatusResponse{}, nil
}

func main() {
	driver := flag.String("driver", "", "CSI driver name")
	endpoint := flag.String("csi-socket", "", "path of the driver's CSI socket (as kubelet sees it)")
	socket := flag.String("registration-socket", "", "socket to serve, in the kubelet's plugins_registry folder")
	flag.Parse()
	if *driver == "" || *endpoint == "" || *socket == "" {
		log.Fatal("registrar: --driver, --csi-socket and --registration-socket are required")
	}
	_ = os.Remove(*socket)
	listener, err := net.Listen("unix", *socket)
	if err != nil {
		log.Fatalf("registrar: cannot listen on %s: %v", *socket, err)
	}
	server := grpc.NewServer()
	registerapi.RegisterRegistrationServer(server, &registration{driver: *driver, endpoint: *endpoint})
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		server.Stop()
	}()
	if err := server.Serve(listener); err != nil {
		log.Fatalf("registrar: %v", err)
	}
	_ = os.Remove(*socket)
}
