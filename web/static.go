package web

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed static
var static embed.FS

// Static is the file system of the static assets: favicon.svg, css/, js/ and
// vendor/ (the BPMN viewer and htmx, with their licences).
var Static fs.FS = mustSub(static, "static")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is embedded above
	}
	return sub
}

// StaticHandler serves Static; mount it with http.StripPrefix("/static", ...). The
// assets change only with the binary, so browsers may keep them for an hour.
func StaticHandler() http.Handler {
	files := http.FileServerFS(Static)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}
