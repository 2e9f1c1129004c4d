package gonbauth

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// pasteAddress checks that a pasted address is this sign-in's redirect
// URI and returns its query, to be checked like a redirect. Its errors
// say what is wrong in words a user can act on, and never repeat the
// address (it may hold a code).
func pasteAddress(raw, redirectURI string) (url.Values, error) {
	if len(raw) > maxPasteBytes {
		return nil, fmt.Errorf("that is longer than any sign-in address (%d bytes at most): copy the address from the browser's address bar, it starts with %s", maxPasteBytes, redirectURI)
	}
	raw = strings.TrimSpace(raw)
	want, err := url.Parse(redirectURI)
	if err != nil {
		return nil, fmt.Errorf("gonbauth: bad redirect URI: %w", err)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("that is not a web address: copy the whole address from the browser's address bar; it starts with %s", redirectURI)
	}
	if u.Scheme != want.Scheme || u.Host != want.Host || u.Path != want.Path {
		return nil, fmt.Errorf("that address is not where this sign-in sends the browser: it must start with %s (an address from another sign-in or another port will not do)", redirectURI)
	}
	if len(u.RawQuery) > maxQueryBytes {
		return nil, fmt.Errorf("that address is longer than %d bytes", maxQueryBytes)
	}
	if u.RawQuery == "" {
		return nil, errors.New("that address has no sign-in response after the \"?\": copy the address of the page the browser ended on after you signed in")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New("that address is malformed: copy it again, whole")
	}
	return q, nil
}

// maxPasteBytes bounds a pasted line: a redirect URI and its query.
const maxPasteBytes = maxQueryBytes + 1024

// readLines sends each line of r on the returned channel and closes it
// at end of input, so that a run with no input (a headless runner, stdin
// from /dev/null) stops asking instead of hanging. After done is closed it
// sends nothing more (a read already blocked ends with the process).
// Lines are bounded (see readBoundedLine): an endless line costs no more
// memory than a long one.
func readLines(r io.Reader, done <-chan struct{}) <-chan string {
	lines := make(chan string)
	go func() {
		defer close(lines)
		br := bufio.NewReaderSize(r, 4096)
		for {
			line, err := readBoundedLine(br, maxPasteBytes)
			if strings.TrimSpace(line) != "" {
				select {
				case lines <- line:
				case <-done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return lines
}

// readBoundedLine reads one line (its newline included) keeping at most
// max+1 bytes of it: the rest of a longer line is read and dropped, so the
// caller sees that it was too long without holding it.
func readBoundedLine(br *bufio.Reader, max int) (string, error) {
	var b []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if room := max + 1 - len(b); room > 0 {
			b = append(b, chunk[:min(len(chunk), room)]...)
		}
		if err != bufio.ErrBufferFull {
			return string(b), err
		}
	}
}
