package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// byteSize is a flag value in bytes, written as an integer with an
// optional unit: B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers
// of 1024), case-insensitive ("1048576", "1MiB", "512MB").
type byteSize int64

var byteUnits = []struct {
	suffix string
	n      int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
	{"b", 1},
}

func (s *byteSize) Set(v string) error {
	num, mult := strings.ToLower(strings.TrimSpace(v)), int64(1)
	for _, u := range byteUnits {
		if rest, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(rest), u.n
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return fmt.Errorf("%q is not a positive size in bytes (such as 1048576, 1MiB or 512MB)", v)
	}
	*s = byteSize(n * mult)
	return nil
}

func (s *byteSize) String() string {
	n := int64(*s)
	for _, u := range byteUnits[:3] {
		if n >= u.n && n%u.n == 0 && n/u.n < 1024 {
			return strconv.FormatInt(n/u.n, 10) + strings.ToUpper(u.suffix[:1]) + u.suffix[1:2] + "B"
		}
	}
	return strconv.FormatInt(n, 10)
}

func (s *byteSize) Type() string { return "size" }
