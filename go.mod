module github.com/forsok/forsok

go 1.26.8

require (
	github.com/go-jose/go-jose/v4 v4.1.8
	github.com/grpc-ecosystem/grpc-gateway/v2 v2.33.0
	github.com/looplab/fsm v1.0.3
	go.etcd.io/bbolt v1.5.0
	google.golang.org/genproto/googleapis/api v0.0.0-20261026165753-2ffab32bce7e
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261026165753-2ffab32bce7e
	google.golang.org/grpc v1.85.0
	google.golang.org/protobuf v1.36.12
)

require (
	golang.org/x/net v0.61.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)
