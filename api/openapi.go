// Package api holds the generated code of the forsok API: the Go messages, the gRPC
// service and the grpc-gateway handlers in forsokv1 (api/forsok/v1), and the merged
// OpenAPI document. Everything here except this file is written by
// ./scripts/generate.sh from proto/forsok/v1 and must not be edited by hand.
package api

import _ "embed"

// OpenAPI is the OpenAPI 2.0 (Swagger) document of the REST API, generated from the
// protos into one file; the server serves it at /openapi.json.
//
//go:embed openapi/forsok.swagger.json
var OpenAPI []byte
