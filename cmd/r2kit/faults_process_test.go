package main

//lint:file-ignore SA1019 r2kit serves the Assistants API, which openai-go marks deprecated

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/r2kit/r2kit/internal/backendtest"
	"github.com/r2kit/r2kit/internal/servetest"
)

// faultProxy is a reverse proxy in front of the S3 test server that
// fails requests the way an overloaded S3 endpoint does: HEAD and
// DELETE answered 503 SlowDown without reaching the server, and PUTs
// whose answer is lost after the server stored them (the connection is
// cut). Its decisions are drawn from a seeded source.
type faultProxy struct {
	URL                    string
	headDelete, putLost    float64
	mu                     sync.Mutex
	rnd                    *rand.Rand
	refused, lost, proxied atomic.Int64
}

func newFaultProxy(t *testing.T, upstream string, headDelete, putLost float64) *faultProxy {
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{headDelete: headDelete, putLost: putLost, rnd: rand.New(rand.NewPCG(17, 4))}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.Out.Host = r.In.Host // signed by the client
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case (r.Method == "HEAD" || r.Method == "DELETE") && p.draw(p.headDelete):
			p.refused.Add(1)
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`)
			return
		case r.Method == "PUT" && p.draw(p.putLost):
			rec := httptest.NewRecorder()
			rp.ServeHTTP(rec, r)
			p.lost.Add(1)
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		p.proxied.Add(1)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func (p *faultProxy) draw(prob float64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rnd.Float64() < prob
}

// TestServeProcessesUnderFaults: three r2kit serve processes on one S3
// bucket, reached through a proxy that answers 503 to 70% of HEADs and
// DELETEs and loses the answer of 25% of PUTs after they committed.
// Message creates are sent across the three with no client retries,
// then read back from a fourth server that talks to S3 directly. Every
// create answered 200 is listed exactly once, in both orders; none
// answered 5xx is listed. Then the official client with its default
// retries creates more messages: each is listed exactly once.
func TestServeProcessesUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs four servers")
	}
	s3 := backendtest.RequireS3(t, false)
	bucket := backendtest.CreateBucket(t, s3.Client())
	bin := servetest.Build(t)
	proxy := newFaultProxy(t, s3.Endpoint, 0.7, 0.25)
	env := func(endpoint string) []string {
		q := url.Values{"endpoint": {endpoint}, "region": {s3.Region}, "path_style": {"true"}}
		return []string{"R2KIT_BUCKET=s3://" + bucket + "?" + q.Encode(),
			"AWS_ACCESS_KEY_ID=" + s3.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s3.SecretKey, "R2KIT_LOG_LEVEL=error"}
	}
	procs := make([]*servetest.Process, 3)
	for i := range procs {
		procs[i] = servetest.Start(t, bin, env(proxy.URL), "--worker=false")
	}
	direct := servetest.Start(t, bin, env(s3.Endpoint), "--worker=false")
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer hc.CloseIdleConnections()
	reader := openai.NewClient(option.WithBaseURL(direct.Base+"/v1/"), option.WithAPIKey("sk-none"), option.WithHTTPClient(hc))
	ctx := t.Context()
	th, err := reader.Beta.Threads.New(ctx, openai.BetaThreadNewParams{})
	if err != nil {
		t.Fatal(err)
	}

	const creates = 150
	var mu sync.Mutex
	answered := map[string]int{} // text -> status
	counts := map[string]int{}
	var wg sync.WaitGroup
	for i := range creates {
		wg.Go(func() {
			text := fmt.Sprintf("m-%03d", i)
			req, _ := http.NewRequestWithContext(ctx, "POST", procs[i%3].Base+"/v1/threads/"+th.ID+"/messages",
				strings.NewReader(`{"role":"user","content":"`+text+`"}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				t.Errorf("create %s: %v", text, err)
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			defer mu.Unlock()
			if resp.StatusCode != 200 {
				t.Logf("create %s answered %d: %s", text, resp.StatusCode, body)
			}
			answered[text] = resp.StatusCode
			counts[fmt.Sprintf("%dxx", resp.StatusCode/100)]++
		})
		if i%10 == 9 {
			wg.Wait() // ten at a time
		}
	}
	wg.Wait()

	listed := func() (asc, desc map[string]int, n int) {
		asc, desc = map[string]int{}, map[string]int{}
		for _, order := range []openai.BetaThreadMessageListParamsOrder{openai.BetaThreadMessageListParamsOrderAsc, openai.BetaThreadMessageListParamsOrderDesc} {
			m := asc
			if order == openai.BetaThreadMessageListParamsOrderDesc {
				m = desc
			}
			params := openai.BetaThreadMessageListParams{Limit: openai.Int(100), Order: order}
			for page, err := reader.Beta.Threads.Messages.List(ctx, th.ID, params); ; page, err = page.GetNextPage() {
				if err != nil {
					t.Fatal(err)
				}
				if page == nil {
					break
				}
				for _, msg := range page.Data {
					m[msg.Content[0].Text.Value]++
					if order == openai.BetaThreadMessageListParamsOrderAsc {
						n++
					}
				}
				if !page.HasMore {
					break
				}
			}
		}
		return asc, desc, n
	}
	asc, desc, n := listed()
	for text, status := range answered {
		want := 0
		if status == 200 {
			want = 1
		}
		if asc[text] != want || desc[text] != want {
			t.Errorf("message %s answered %d: listed %d times ascending, %d descending; want %d", text, status, asc[text], desc[text], want)
		}
	}
	t.Logf("%d creates through 3 servers: answered %v; %d listed; proxy: %d HEAD/DELETE refused, %d PUT answers lost, %d passed",
		creates, counts, n, proxy.refused.Load(), proxy.lost.Load(), proxy.proxied.Load())
	if counts["2xx"] == 0 {
		t.Fatal("no create succeeded: the faults are too many to test anything")
	}

	// The official client retries 5xx and connection errors by itself.
	sdk := make([]openai.Client, len(procs))
	for i, p := range procs {
		sdk[i] = openai.NewClient(option.WithBaseURL(p.Base+"/v1/"), option.WithAPIKey("sk-none"), option.WithHTTPClient(hc))
	}
	ok := map[string]bool{}
	for i := range 60 {
		text := fmt.Sprintf("sdk-%03d", i)
		if _, err := sdk[i%3].Beta.Threads.Messages.New(ctx, th.ID, openai.BetaThreadMessageNewParams{Role: "user",
			Content: openai.BetaThreadMessageNewParamsContentUnion{OfString: openai.String(text)}}); err == nil {
			ok[text] = true
		}
	}
	asc, desc, _ = listed()
	for i := range 60 {
		text := fmt.Sprintf("sdk-%03d", i)
		want := 0
		if ok[text] {
			want = 1
		}
		if asc[text] != want || desc[text] != want {
			t.Errorf("SDK message %s (success %v): listed %d/%d times; want %d", text, ok[text], asc[text], desc[text], want)
		}
	}
	t.Logf("the SDK with its default retries: %d of 60 creates succeeded, each listed once", len(ok))
}
