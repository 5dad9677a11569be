// Command forward relays TCP connections, for each --map LISTEN=TARGET, from LISTEN to TARGET. The test bed
// serves its API servers and MinIO on loopback, which pods cannot reach: this lets pods reach them at
// addresses they route to (an API server at its cluster's `kubernetes` service IP, port 443), while
// everything on the host keeps using loopback. TLS passes through untouched.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	var maps []string
	flag.Func("map", "LISTEN=TARGET (host:port each); repeatable", func(value string) error {
		maps = append(maps, value)
		return nil
	})
	flag.Parse()
	if len(maps) == 0 {
		log.Fatal("forward: give at least one --map LISTEN=TARGET")
	}
	for _, m := range maps {
		listen, target, ok := strings.Cut(m, "=")
		if !ok {
			log.Fatalf("forward: %q is not LISTEN=TARGET", m)
		}
		listener, err := net.Listen("tcp", listen)
		if err != nil {
			log.Fatalf("forward: cannot listen on %s: %v", listen, err)
		}
		go serve(listener, target)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	<-stop
}

func serve(listener net.Listener, target string) {
	for {
		client, err := listener.Accept()
		if err != nil {
			log.Fatalf("forward: accepting on %s: %v", listener.Addr(), err)
		}
		go relay(client, target)
	}
}

func relay(client net.Conn, target string) {
	defer client.Close()
	server, err := net.Dial("tcp", target)
	if err != nil {
		log.Printf("forward: %s unreachable: %v", target, err)
		return
	}
	defer server.Close()
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(server, client)
		_ = server.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	_, _ = io.Copy(client, server)
	_ = client.(*net.TCPConn).CloseWrite()
	<-done
}
