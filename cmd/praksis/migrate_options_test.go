package main

import "testing"

// Out-of-order migrations are for development databases only: production
// keeps goose's strict order.
func TestMigrateOptions(t *testing.T) {
	if o := migrateOptions(Config{Env: "production"}); len(o) != 0 {
		t.Errorf("production: %d options, want the strict order", len(o))
	}
	if o := migrateOptions(Config{Env: "development"}); len(o) != 1 {
		t.Errorf("development: %d options, want out of order allowed", len(o))
	}
}
