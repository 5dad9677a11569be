// Command podreset stops and removes every pod sandbox of one containerd through its CRI API, so that the
// runtime itself kills the containers, tears down their pod network (CNI DEL: veth, IP lease, network
// namespace), unmounts their mounts and ends their shims. The test bed runs it when a node goes down.
package main

import (
	"context"
	"flag"
	"log"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

func main() {
	socket := flag.String("socket", "", "containerd's socket")
	flag.Parse()
	if *socket == "" {
		log.Fatal("podreset: --socket is required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := grpc.NewClient("unix://"+*socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("podreset: %v", err)
	}
	defer conn.Close()
	runtime := runtimeapi.NewRuntimeServiceClient(conn)
	list, err := runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		log.Fatalf("podreset: listing pod sandboxes: %v", err)
	}
	failed := false
	for _, sandbox := range list.Items {
		if _, err := runtime.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sandbox.Id}); err != nil {
			log.Printf("podreset: stopping %s: %v", sandbox.Id, err)
			failed = true
		}
		if _, err := runtime.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sandbox.Id}); err != nil {
			log.Printf("podreset: removing %s: %v", sandbox.Id, err)
			failed = true
		}
	}
	if failed {
		log.Fatal("podreset: some pod sandboxes were not removed")
	}
}
