package db

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/lib/pq"
)

// IsUnavailable reports whether err means the database cannot be reached
// right now (down, restarting, refusing connections, a connection cut
// mid-query), as opposed to a bad query or bad data. The web layer answers
// such errors with 503, so a load balancer and a person both see "try
// again shortly" instead of a server error.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		code := string(pqErr.Code)
		// 08: connection exception; 57P01-03: admin/crash shutdown, cannot
		// connect now (starting up or shutting down); 53300: too many
		// connections.
		return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "57P") || code == "53300"
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	for _, e := range []error{driver.ErrBadConn, io.EOF, io.ErrUnexpectedEOF, syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE} {
		if errors.Is(err, e) {
			return true
		}
	}
	// lib/pq reports a connection closed under it by text only.
	msg := err.Error()
	return strings.Contains(msg, "connection reset by peer") || strings.Contains(msg, "broken pipe") ||
		strings.Contains(msg, "bad connection") || strings.Contains(msg, "unexpected EOF")
}
