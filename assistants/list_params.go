package assistants

// List orders.
const (
	OrderAsc  = "asc"
	OrderDesc = "desc"
)

// List limits.
const (
	DefaultListLimit     = 20
	MaxListLimit         = 100
	DefaultFileListLimit = 10000
	MaxFileListLimit     = 10000
)

// ListParams are the query parameters of a list: limit, order, after,
// before (object id cursors).
type ListParams struct {
	Limit  int
	Order  string
	After  string
	Before string
}

// Normalize fills in the defaults (limit 20, order desc) and checks the
// parameters: limit 1..100, order asc or desc, cursors ids with the
// listed objects' prefix. A zero Limit means the default.
func (p ListParams) Normalize(prefix string) (ListParams, error) {
	return p.normalize(prefix, DefaultListLimit, MaxListLimit)
}

func (p ListParams) normalize(prefix string, def, max int) (ListParams, error) {
	if p.Limit == 0 {
		p.Limit = def
	}
	if p.Order == "" {
		p.Order = OrderDesc
	}
	switch {
	case p.Limit < 1 || p.Limit > max:
		return p, fieldErr("limit", "%d is out of range [1, %d]", p.Limit, max)
	case p.Order != OrderAsc && p.Order != OrderDesc:
		return p, checkEnum("order", p.Order, OrderAsc, OrderDesc)
	case p.After != "":
		if err := checkID("after", prefix, p.After); err != nil {
			return p, err
		}
	}
	if p.Before != "" {
		if err := checkID("before", prefix, p.Before); err != nil {
			return p, err
		}
	}
	return p, nil
}

// FileListParams are the query parameters of GET /files.
type FileListParams struct {
	// Purpose, if set, keeps only files with that purpose.
	Purpose string
	Limit   int
	Order   string
	After   string
}

// Normalize fills in the defaults (limit 10000, order desc) and checks
// the parameters: a known purpose, limit 1..10000, order asc or desc,
// after a "file-..." id.
func (p FileListParams) Normalize() (FileListParams, error) {
	if p.Purpose != "" {
		if err := checkEnum("purpose", p.Purpose, FilePurposes...); err != nil {
			return p, err
		}
	}
	lp, err := ListParams{Limit: p.Limit, Order: p.Order, After: p.After}.normalize(PrefixFile, DefaultFileListLimit, MaxFileListLimit)
	p.Limit, p.Order = lp.Limit, lp.Order
	return p, err
}
