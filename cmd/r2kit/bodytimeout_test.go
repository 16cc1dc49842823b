package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/r2kit/r2kit/internal/servetest"
)

// $R2KIT_BODY_READ_TIMEOUT (--body-read-timeout) drops a request whose
// body stalls: 408, then the connection is closed.
func TestServeBodyReadTimeout(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out servetest.LockedBuffer
	env := map[string]string{"R2KIT_BUCKET": t.TempDir(), "R2KIT_LOG_FORMAT": "json", "R2KIT_BODY_READ_TIMEOUT": "200ms"}
	done := runAsync(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, env, &out)
	base := waitListening(t, &out, done)

	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	_, err = io.WriteString(c, "POST /v1/threads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
		"Content-Length: 100\r\n\r\n{\"metadata\":")
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("status %d %s; want 408", resp.StatusCode, body)
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) > 0 {
		t.Fatalf("after the answer: %q, %v; want the connection closed", rest, err)
	}
	if took := time.Since(start); took < 200*time.Millisecond || took > 5*time.Second {
		t.Errorf("dropped after %s; want just over 200ms", took)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), `"body_read_timeout":"200ms"`) {
		t.Errorf("the serving line does not give the timeout:\n%s", out.String())
	}
}
