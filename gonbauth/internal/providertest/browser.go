package providertest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Page is where a test browser ended.
type Page struct {
	URL    string // the last address loaded (or, unreachable, the one it would have loaded)
	Status int
	Body   string
}

// Browse follows a sign-in link the way a browser does: the stand-in's
// authorization endpoint approves and redirects, and the browser goes on
// to wherever that points, the program's loopback listener included. The
// link must be the one the program displayed: tests never build it.
func Browse(link string) (*Page, error) { return browse(link, false) }

// BrowseUnreachable follows a sign-in link like Browse, but stops at the
// first redirect that leaves the stand-in, as a browser on another
// machine would when the program's listener is out of its reach; the
// returned page's URL is that address, the one the user pastes.
func BrowseUnreachable(link string) (*Page, error) { return browse(link, true) }

func browse(link string, unreachable bool) (*Page, error) {
	start, err := url.Parse(link)
	if err != nil || (start.Scheme != "http" && start.Scheme != "https") {
		return nil, fmt.Errorf("providertest: the sign-in link %q is not a web address", link)
	}
	var stopped string
	c := &http.Client{
		Timeout: 20 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > 10 {
				return errors.New("too many redirects")
			}
			if unreachable && req.URL.Host != start.Host {
				stopped = req.URL.String()
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	resp, err := c.Get(link)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	p := &Page{URL: resp.Request.URL.String(), Status: resp.StatusCode, Body: string(body)}
	if stopped != "" {
		p.URL = stopped
	}
	return p, nil
}

// ApproveDevice opens a device grant's verification link, as displayed,
// and confirms the user code there; a link without the code (Google's
// verification_url, Microsoft's, GitHub's) gets the code typed in.
func ApproveDevice(link, userCode string) (*Page, error) {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("providertest: the verification link %q is not a web address", link)
	}
	c := &http.Client{Timeout: 20 * time.Second}
	var resp *http.Response
	if u.Query().Get("user_code") != "" {
		resp, err = c.Get(link)
	} else {
		resp, err = c.PostForm(link, url.Values{"user_code": {userCode}})
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	p := &Page{URL: link, Status: resp.StatusCode, Body: string(body)}
	if resp.StatusCode != http.StatusOK || !strings.Contains(p.Body, "Device connected") {
		return p, fmt.Errorf("providertest: the verification page refused the code: HTTP %d %s", resp.StatusCode, p.Body)
	}
	return p, nil
}
