package boltstore

import gojson "github.com/goccy/go-json"

// unmarshal decodes a stored record (decode in tx.go). Records are written with
// encoding/json, whose tags are the on-disk format; reading them back is most of what a
// read costs (a page of 50 cases decodes 50 of them), and github.com/goccy/go-json, a
// decoder compatible with encoding/json, reads them about three times as fast
// (BenchmarkDecodeApplication). It copies what it keeps out of data, as encoding/json
// does, so nothing decoded refers to bbolt's memory. TestUnmarshal_AsEncodingJSON checks
// that both decoders read the stored types alike.
func unmarshal(data []byte, v any) error { return gojson.Unmarshal(data, v) }
