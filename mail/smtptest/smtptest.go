// Package smtptest runs a real SMTP server in the test process (emersion/
// go-smtp), records what it receives, and can refuse or go down on demand,
// so delivery is tested over the wire, not against a mock.
package smtptest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one received mail, parsed.
type Message struct {
	From, To string
	Subject  string
	Text     string
	HTML     string
	Header   mail.Header
	Raw      []byte
	// Parts: every leaf part other than the text and HTML bodies (an
	// attachment such as a calendar event), decoded.
	Parts []Part
}

// Part is one decoded leaf part of a mail.
type Part struct {
	MediaType string            // e.g. text/calendar
	Params    map[string]string // of Content-Type, e.g. method, charset, name
	Header    map[string][]string
	Body      string
}

// Server is a running test SMTP server.
type Server struct {
	Addr string // 127.0.0.1:port

	mu        sync.Mutex
	srv       *smtp.Server
	msgs      []Message
	tempFails int             // refuse the next n DATA commands with 451
	reject    map[string]bool // recipients refused with 550
	delay     time.Duration   // before accepting DATA
	notify    chan struct{}
}

// Start listens on a free loopback port.
func Start() (*Server, error) {
	s := &Server{reject: map[string]bool{}, notify: make(chan struct{}, 1)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.Addr = ln.Addr().String()
	s.serve(ln)
	return s, nil
}

func (s *Server) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// URL is the SMTP_URL of this server.
func (s *Server) URL() string { return "smtp://" + s.Addr }

// Stop takes the server down (connections refused) until Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Restart brings a stopped server back on the same address.
func (s *Server) Restart() error {
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger briefly after Close
		if ln, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	s.serve(ln)
	return nil
}

// FailNext makes the next n deliveries fail with a temporary 451.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	s.tempFails = n
	s.mu.Unlock()
}

// Reject makes deliveries to addr fail permanently with 550.
func (s *Server) Reject(addr string) {
	s.mu.Lock()
	s.reject[strings.ToLower(addr)] = true
	s.mu.Unlock()
}

// Delay slows every delivery down (to kill a sender mid-batch).
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

// Messages returns a copy of everything received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// To returns the messages received for one recipient.
func (s *Server) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if strings.EqualFold(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

// WaitFor waits until n messages have arrived in total, or timeout.
func (s *Server) WaitFor(n int, timeout time.Duration) ([]Message, error) {
	deadline := time.After(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m, nil
		}
		select {
		case <-s.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			return s.Messages(), fmt.Errorf("smtptest: %d of %d messages after %s", len(s.Messages()), n, timeout)
		}
	}
}

type session struct {
	s        *Server
	from, to string
}

func (ss *session) Reset()        { ss.from, ss.to = "", "" }
func (ss *session) Logout() error { return nil }
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	rejected := ss.s.reject[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if rejected {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	ss.to = to
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	delay := ss.s.delay
	fail := ss.s.tempFails > 0
	if fail {
		ss.s.tempFails--
	}
	ss.s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	if fail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := parse(raw)
	if err != nil {
		return err
	}
	m.From, m.To = ss.from, ss.to
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, m)
	ss.s.mu.Unlock()
	select {
	case ss.s.notify <- struct{}{}:
	default:
	}
	return nil
}

// parse reads the headers and the text and HTML parts of a mail.
func parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	m := Message{Subject: subject, Header: msg.Header, Raw: raw}
	if err := walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m); err != nil {
		return m, err
	}
	return m, nil
}

func walk(contentType, encoding string, body io.Reader, m *Message) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkPart(p.Header, p, m); err != nil {
				return err
			}
		}
	}
	b, err := decode(encoding, body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		m.Text = string(b)
	case "text/html":
		m.HTML = string(b)
	default:
		m.Parts = append(m.Parts, Part{MediaType: mt, Params: params, Body: string(b)})
	}
	return nil
}

// walkPart walks a part of a multipart body and keeps its headers on an
// attachment it yields.
func walkPart(h map[string][]string, body io.Reader, m *Message) error {
	n := len(m.Parts)
	get := func(k string) string {
		if v := h[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if err := walk(get("Content-Type"), get("Content-Transfer-Encoding"), body, m); err != nil {
		return err
	}
	if len(m.Parts) == n+1 {
		m.Parts[n].Header = h
	}
	return nil
}
