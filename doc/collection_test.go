package doc_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/doc"
	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/storage"
)

func accountKey(id string) (string, error) {
	if id == "" || strings.ContainsAny(id, "/.") {
		return "", fmt.Errorf("%w: account id %q", storage.ErrInvalidKey, id)
	}
	return "accounts/" + id + ".json", nil
}

func TestCollection(t *testing.T) {
	backendtest.ForEach(t, func(t *testing.T, newBucket func(testing.TB) storage.Bucket) {
		ctx := t.Context()
		clk := newClock()
		b := newBucket(t)
		s := doc.New(b, &doc.Options{Now: clk.Now})
		accounts := doc.NewCollection[account](s, accountKey, &doc.CollectionOptions[account]{
			Type: "account", TTL: time.Hour,
			Validate: func(a *account) error {
				if a.Name == "" {
					return fieldError{"name", errors.New("required")}
				}
				return nil
			},
		})
		d, err := accounts.PutIf(ctx, "a1", account{Name: "ann", Balance: 5}, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.Key != "accounts/a1.json" || d.Metadata[storage.MetaType] != "account" || !d.ExpiresAt.Equal(clk.Now().Add(time.Hour)) {
			t.Fatalf("PutIf = %+v", d)
		}
		for _, bad := range []account{{Name: ""}, {Name: "x", Balance: -1}} {
			_, err := accounts.Put(ctx, "a1", bad, nil)
			var ve *doc.ValidationError
			if !errors.Is(err, doc.ErrValidation) || !errors.As(err, &ve) || ve.Field == "" || !strings.Contains(err.Error(), "accounts/a1.json") {
				t.Fatalf("Put(%+v): err = %v, want a validation error naming the key and field", bad, err)
			}
		}
		_, err = accounts.Update(ctx, "a1", func(a *account, _ bool) (account, error) {
			a.Name = ""
			return *a, nil
		}, nil)
		if !errors.Is(err, doc.ErrValidation) {
			t.Fatalf("invalid Update: err = %v, want ErrValidation", err)
		}
		clk.Advance(30 * time.Minute)
		u, err := accounts.Update(ctx, "a1", func(a *account, _ bool) (account, error) {
			a.Balance += 10
			return *a, nil
		}, nil)
		if err != nil || u.Value.Balance != 15 || !u.ExpiresAt.Equal(clk.Now().Add(time.Hour)) {
			t.Fatalf("Update = %+v, %v; want balance 15 and a refreshed TTL", u, err)
		}
		if ok, err := accounts.Exists(ctx, "a1"); !ok || err != nil {
			t.Fatalf("Exists = %v, %v", ok, err)
		}
		for _, id := range []string{"", "../a1", "a/b"} {
			if _, err := accounts.Get(ctx, id); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Get(%q): err = %v, want ErrInvalidKey", id, err)
			}
			if _, err := accounts.Put(ctx, id, account{Name: "x"}, nil); !errors.Is(err, storage.ErrInvalidKey) {
				t.Errorf("Put(%q): err = %v, want ErrInvalidKey", id, err)
			}
		}
		if err := accounts.Delete(ctx, "a1", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := accounts.Get(ctx, "a1"); !errors.Is(err, doc.ErrNotFound) {
			t.Fatalf("Get after Delete: err = %v", err)
		}
	})
}
