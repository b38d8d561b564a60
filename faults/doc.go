// Package faults holds the fault tests of issue 8: the real praksis binary,
// built by the tests, run as separate processes against private PostgreSQL
// clusters the tests create (initdb/pg_ctl on free ports in temporary
// directories, never the shared server at 5432) and the in-process SMTP
// server, while the tests stop the database, take the mail server down,
// SIGKILL processes in the middle of their work and run two replicas on
// one database. Only time is faked (a lease or a backoff made to expire
// with an UPDATE); everything else is real. `make faults` runs them; they
// are part of `make test` too.
package faults
