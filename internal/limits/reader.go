package limits

import "io"

// ReadAll reads r to its end, holding at most limit+1 bytes. It fails with a
// *TooLargeError naming what (Size -1) when r has more than limit bytes, and
// with r's own error when reading fails; it never returns a cut-off body as
// if it were whole.
func ReadAll(r io.Reader, limit int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{What: what, Size: -1, Limit: limit}
	}
	return b, nil
}

// Body wraps an HTTP body so that reading past limit bytes fails with a
// *TooLargeError naming what, for readers that decode a body themselves
// (go-github). A declared size over the limit fails the first read, before
// anything is read. Close closes rc.
func Body(rc io.ReadCloser, declared, limit int64, what string) io.ReadCloser {
	return &body{rc: rc, left: limit, limit: limit, declared: declared, what: what}
}

type body struct {
	rc       io.ReadCloser
	left     int64 // bytes still allowed
	limit    int64
	declared int64 // Content-Length, -1 when unknown
	what     string
}

func (b *body) Read(p []byte) (int, error) {
	if b.declared > b.limit {
		return 0, &TooLargeError{What: b.what, Size: b.declared, Limit: b.limit}
	}
	if b.left < 0 {
		return 0, &TooLargeError{What: b.what, Size: -1, Limit: b.limit}
	}
	// One byte more than allowed tells a body of exactly limit bytes from a
	// longer one.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n + int(b.left), &TooLargeError{What: b.what, Size: -1, Limit: b.limit}
	}
	return n, err
}

func (b *body) Close() error { return b.rc.Close() }
