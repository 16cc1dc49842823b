package storage_test

import (
	"context"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/r2kit/r2kit/storage"
	"github.com/r2kit/r2kit/storage/memstore"
)

// Sweep deletes the objects whose TTL has passed and keeps the others.
func ExampleSweep() {
	ctx := context.Background()
	b := memstore.New()
	defer b.Close()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for key, ttl := range map[string]time.Duration{"sessions/old.json": time.Hour, "sessions/new.json": 48 * time.Hour} {
		md := storage.CreateMetadata("session", created, ttl, nil)
		if _, err := b.Put(ctx, key, strings.NewReader("{}"), &storage.PutOptions{Metadata: md}); err != nil {
			log.Fatal(err)
		}
	}
	now := func() time.Time { return created.Add(24 * time.Hour) }
	res, err := storage.Sweep(ctx, b, "sessions/", &storage.SweepOptions{Now: now})
	if err != nil {
		log.Fatal(err)
	}
	_, err = b.Stat(ctx, "sessions/new.json")
	fmt.Printf("scanned %d, deleted %d; new one kept: %v\n", res.Scanned, res.Deleted, err == nil)
	// Output: scanned 2, deleted 1; new one kept: true
}
