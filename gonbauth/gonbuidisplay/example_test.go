package gonbuidisplay_test

import (
	"context"
	"fmt"
	"html"
	"log"

	"github.com/gonbauth/gonbauth/gonbauth"
	_ "github.com/gonbauth/gonbauth/gonbauth/gonbuidisplay"
	"github.com/janpfeifer/gonb/gonbui"
)

// A cell that signs in and shows its own output with gonbui. Without the
// blank import of gonbuidisplay, gonbauth would show the sign-in as text.
func Example() {
	sess, err := gonbauth.Login(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	gonbui.DisplayHTML(fmt.Sprintf("<p>Signed in as <b>%s</b></p>", html.EscapeString(sess.Who())))
	gonbui.Sync()
}
