package api_test

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"

	"github.com/r2kit/r2kit/api"
	"github.com/r2kit/r2kit/storage/memstore"
)

// A server over an in-memory bucket with one API key: the health check
// needs no key, the API does.
func ExampleNew() {
	bucket := memstore.New() // filestore or s3store in production
	defer bucket.Close()
	srv := api.New(api.Config{
		Bucket:  bucket,
		APIKeys: []string{"sk-example-key-1234"},
		Logger:  slog.New(slog.DiscardHandler),
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()

	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path, key string) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		req.Header.Set("OpenAI-Beta", "assistants=v2")
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Printf("%s %d %s", path, resp.StatusCode, body)
	}
	get("/healthz", "")
	get("/v1/nope", "sk-wrong-key-5678")
	get("/v1/nope", "sk-example-key-1234")
	// Output:
	// /healthz 200 {"status":"ok"}
	// /v1/nope 401 {"error":{"message":"Incorrect API key provided: sk-**********5678. The keys of this r2kit server are those given to 'r2kit serve' with --api-key or R2KIT_API_KEYS.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}
	// /v1/nope 404 {"error":{"message":"Invalid URL (GET /v1/nope)","type":"invalid_request_error","param":null,"code":null}}
}
