package broker

import (
	"fmt"
	"testing"
)

func TestRoutes(t *testing.T) {
	route := "nats-route://ruser:top_secret@127.0.0.1:7246"
	leaf := fmt.Sprintf("nats-leaf://leaf:leaf@%s:%d", host, port)
	events := "kafka://ingest:changeme@broker:9092"
	// Look-alikes that stay quiet:
	tmpl := fmt.Sprintf("nats://%s:%s@%s:%d", user, pass, host, port)
	word := "nats://user:password@localhost:4222"
	env := "nats://NATS_USER:NATS_PASSWORD@NATS_HOST:4222"
	ref := "nats://ops:${NATS_PASSWORD}@nats-1:4222"
	masked := "smtp://mailer:***@smtp.example.org:587"
	_ = []string{route, leaf, events, tmpl, word, env, ref, masked}
}
