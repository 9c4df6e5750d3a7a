package main

import (
	"fmt"
	"strconv"
	"time"
)

// envBool reads the environment variable FORSOK_<name> as a boolean; def when unset.
func envBool(getenv func(string) string, name string, def bool) (bool, error) {
	v := getenv("FORSOK_" + name)
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return def, fmt.Errorf("FORSOK_%s=%q: want true or false", name, v)
	}
	return b, nil
}

// envInt reads the environment variable FORSOK_<name> as an integer; def when unset.
func envInt(getenv func(string) string, name string, def int) (int, error) {
	v := getenv("FORSOK_" + name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return def, fmt.Errorf("FORSOK_%s=%q: want a whole number", name, v)
	}
	return n, nil
}

// envDuration reads the environment variable FORSOK_<name> as a duration ("15s");
// def when unset.
func envDuration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv("FORSOK_" + name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return def, fmt.Errorf("FORSOK_%s=%q: want a duration such as 15s", name, v)
	}
	return d, nil
}
