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

// readLines sends each line of r on the returned channel and closes it
// at end of input, so that a run with no input (a headless runner, stdin
// from /dev/null) stops asking instead of hanging. After done is closed it
// sends nothing more (a read already blocked ends with the process).
func readLines(r io.Reader, done <-chan struct{}) <-chan string {
	lines := make(chan string)
	go func() {
		defer close(lines)
		br := bufio.NewReaderSize(r, maxQueryBytes+1024)
		for {
			line, err := br.ReadString('\n')
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
