package db

import (
	"fmt"
	"time"
)

// Scanners for a nullable column read into a pointer field without
// database/sql's reflection (scanCaseloadListed): nil for NULL, else a
// new value. lib/pq hands text as []byte, integers as int64 and dates and
// timestamps as time.Time.

type optStrScanner[T ~string] struct{ p **T }

func optStr[T ~string](p **T) optStrScanner[T] { return optStrScanner[T]{p} }

func (s optStrScanner[T]) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.p = nil
	case []byte:
		t := T(v)
		*s.p = &t
	case string:
		t := T(v)
		*s.p = &t
	default:
		return fmt.Errorf("db: scan %T into a text", src)
	}
	return nil
}

type optIntScanner[T int | int64] struct{ p **T }

func optInt(p **int) optIntScanner[int]       { return optIntScanner[int]{p} }
func optInt64(p **int64) optIntScanner[int64] { return optIntScanner[int64]{p} }

func (s optIntScanner[T]) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.p = nil
	case int64:
		t := T(v)
		*s.p = &t
	default:
		return fmt.Errorf("db: scan %T into an integer", src)
	}
	return nil
}

type optTimeScanner struct{ p **time.Time }

func optTime(p **time.Time) optTimeScanner { return optTimeScanner{p} }

func (s optTimeScanner) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.p = nil
	case time.Time:
		*s.p = &v
	default:
		return fmt.Errorf("db: scan %T into a time", src)
	}
	return nil
}
