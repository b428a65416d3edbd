// Package protoconflict lets one test binary hold both Weft's gateway_protocol types and
// those of the official Zeebe Go client, which define the same protobuf full names.
//
// protobuf-go panics at init when two registered files define the same name. Importing
// this package (blank import, tests only) sets the conflict policy to "ignore" first:
// package initialization runs in dependency order, then by import path, and this package
// depends only on os, so it is initialized before any generated protobuf package. Each
// side keeps working with its own generated types; only the global registry (used for
// reflection and Any) holds the first registration. Production binaries never import
// the official client, so they never need this.
package protoconflict

import "os"

func init() {
	if os.Getenv("GOLANG_PROTOBUF_REGISTRATION_CONFLICT") == "" {
		os.Setenv("GOLANG_PROTOBUF_REGISTRATION_CONFLICT", "ignore")
	}
}
