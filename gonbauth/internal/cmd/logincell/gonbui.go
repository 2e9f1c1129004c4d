//go:build gonbuidisplay

package main

// Built with -tags gonbuidisplay, the cell reaches the kernel through
// gonbui's connection, as a cell that uses gonbui and imports package
// gonbuidisplay does; gonbauth's notebook tests run both builds.
import _ "github.com/gonbauth/gonbauth/gonbauth/gonbuidisplay"
