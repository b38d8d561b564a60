package handlers

import (
	"math"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// Numbers from the URL and from forms are parsed here, into the range of
// the database column they end up compared with or stored in: an id is a
// bigint (1 … MaxInt64), a counter like lock_version an integer
// (MaxInt32). Parsed any wider, a value past the column's range reaches
// PostgreSQL and comes back as a 500 ("value out of range").

// idParam reads the route parameter name as a row id (a bigserial). A
// value that is not one names no row: 404, as for an id that does not
// exist.
func idParam(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}

// queryInt reads an optional whole-number query parameter within
// [lo, hi]; absent or empty it is def. Anything else — not a number,
// spaces, an exponent, out of range — is a 400.
func queryInt(c *fiber.Ctx, name string, lo, hi, def int64) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, errStatus(fiber.StatusBadRequest, "error.bad_number")
	}
	return n, nil
}

// maxBigint is the largest id, for queryInt's callers.
const maxBigint = math.MaxInt64

// lastPage is the number of the last page of a list of total rows, size
// a page; 1 for an empty list. A list opened past its end (a link made
// before it shrank) shows this page, as the caseload does, rather than
// an empty page that reads as "none yet".
func lastPage(total, size int) int {
	return max(1, (total+size-1)/size)
}

// pageParam is the page a list's URL asks for (?page=N), 1-based: 1 when
// it asks for none or for something that is not a page number, at most
// maxPage (a list opened past its end shows its last page: lastPage).
func pageParam(c *fiber.Ctx) int {
	n, _ := strconv.Atoi(c.Query("page"))
	return max(1, min(n, maxPage))
}

// maxPage bounds a page number from a URL, so that its offset stays a
// small number whatever the URL says.
const maxPage = 1_000_000

// pagerURLs are the addresses of the pages before and after page pageNo
// of the list at base with its filters q, "" at either end: the page
// shows shown rows from offset of total. Page 1 has no page parameter.
func pagerURLs(base string, q url.Values, pageNo, offset, shown, total int) (prev, next string) {
	page := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		if n > 1 {
			v.Set("page", strconv.Itoa(n))
		}
		if len(v) == 0 {
			return base
		}
		return base + "?" + v.Encode()
	}
	if pageNo > 1 {
		prev = page(pageNo - 1)
	}
	if offset+shown < total {
		next = page(pageNo + 1)
	}
	return prev, next
}
