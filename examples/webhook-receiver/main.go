// Command webhook-receiver is a webhook receiver to try forsok's webhooks with on your
// own machine: it checks each delivery's signature and prints one line per event.
//
//	go run ./examples/webhook-receiver -addr localhost:8765 -secret "$SECRET"
//
// A server in development mode (no -issuers) delivers to http and loopback targets, so
// a subscription to http://localhost:8765/ reaches it; in production targets must be
// public https URLs. docs/events.md walks through it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/forsok/forsok/internal/webhook"
)

func main() {
	addr := flag.String("addr", "localhost:8765", "listen `address`")
	secret := flag.String("secret", os.Getenv("WEBHOOK_SECRET"), "the subscription's `secret` (default $WEBHOOK_SECRET)")
	flag.Parse()
	if *secret == "" {
		log.Fatal("webhook-receiver: -secret is required: the secret given when subscribing")
	}
	var (
		mu   sync.Mutex
		seen = map[string]bool{} // delivery is at least once: an id may come again
	)
	http.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read the body", http.StatusBadRequest)
			return
		}
		// Verify before parsing: nothing in an unsigned body is to be trusted.
		if err := webhook.Verify([]byte(*secret), r.Header.Get(webhook.SignatureHeader), body, time.Now(), 0); err != nil {
			log.Printf("refused a delivery: %v", err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var ev struct{ ID, Type, Subject string }
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "not a CloudEvent", http.StatusBadRequest)
			return
		}
		mu.Lock()
		again := seen[ev.ID]
		seen[ev.ID] = true
		mu.Unlock()
		note := ""
		if again {
			note = " (again: already handled)"
		}
		fmt.Printf("event %s %s %s, signature ok%s\n", ev.ID, ev.Type, ev.Subject, note)
		w.WriteHeader(http.StatusNoContent)
	})
	// A page for a person or a readiness check; deliveries are POSTs.
	http.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "webhook-receiver: subscribe this URL; deliveries are POSTed here")
	})
	log.Printf("webhook-receiver listening on http://%s/", *addr)
	srv := &http.Server{Addr: *addr, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
