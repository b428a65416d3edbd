package monitor

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/weftlabs/weft/web/components"
)

// flashCookie carries the message of an action to the page the browser is redirected
// to (POST/redirect/GET); the page takes it and clears it.
const flashCookie = "weft_flash"

// maxFlash bounds the message kept in the cookie (browsers keep about 4 KB per cookie).
const maxFlash = 1500

func setFlash(w http.ResponseWriter, kind, msg string) {
	if len(msg) > maxFlash {
		msg = strings.ToValidUTF8(msg[:maxFlash], "") + "…"
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: url.QueryEscape(kind + ":" + msg), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// takeFlash returns the pending flash message, if any, and clears it. Requests from
// htmx's polling leave it for the full page.
func takeFlash(w http.ResponseWriter, r *http.Request) *components.Flash {
	if r.Header.Get("HX-Request") == "true" {
		return nil
	}
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode})
	raw, err := url.QueryUnescape(c.Value)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(raw, ":")
	if !ok || (kind != "success" && kind != "error") {
		return nil
	}
	return &components.Flash{Kind: kind, Message: msg}
}
