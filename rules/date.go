package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Duration is an ISO 8601 / Pacemaker duration, kept by field so that adding months
// follows the calendar.
type Duration struct {
	Years, Months, Days            int
	Hours, Minutes, Seconds, Weeks int
}

// AddTo returns t moved forward by d.
func (d Duration) AddTo(t time.Time) time.Time {
	t = t.AddDate(d.Years, d.Months, d.Days+7*d.Weeks)
	return t.Add(time.Duration(d.Hours)*time.Hour + time.Duration(d.Minutes)*time.Minute +
		time.Duration(d.Seconds)*time.Second)
}

func (d Duration) approx() time.Duration {
	days := d.Years*365 + d.Months*30 + d.Days + d.Weeks*7
	return time.Duration(days)*24*time.Hour + time.Duration(d.Hours)*time.Hour +
		time.Duration(d.Minutes)*time.Minute + time.Duration(d.Seconds)*time.Second
}

// ParseDuration reads "P1Y2M3DT4H5M6S" or "P2W".
func ParseDuration(s string) (Duration, error) {
	var d Duration
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "P") {
		return d, fmt.Errorf("bad duration %q", s)
	}
	inTime := false
	num := ""
	for _, c := range s[1:] {
		switch {
		case c == 'T':
			inTime = true
		case c >= '0' && c <= '9':
			num += string(c)
		default:
			n, err := strconv.Atoi(num)
			if err != nil {
				return d, fmt.Errorf("bad duration %q", s)
			}
			num = ""
			switch {
			case c == 'Y':
				d.Years = n
			case c == 'M' && !inTime:
				d.Months = n
			case c == 'W':
				d.Weeks = n
			case c == 'D':
				d.Days = n
			case c == 'H':
				d.Hours = n
			case c == 'M':
				d.Minutes = n
			case c == 'S':
				d.Seconds = n
			default:
				return d, fmt.Errorf("bad duration %q", s)
			}
		}
	}
	return d, nil
}

// ParseTime reads the ISO 8601 forms Pacemaker accepts: "2019-09-20 15:10:52 +00:00",
// "2019-09-20T15:10:52Z", "2020-01-01", or a Unix epoch number. Times without a zone
// are UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) > 8 {
		return time.Unix(n, 0).UTC(), nil
	}
	s = strings.Replace(s, "T", " ", 1)
	layouts := []string{
		"2006-01-02 15:04:05 -07:00", "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05-07:00",
		"2006-01-02 15:04:05Z", "2006-01-02 15:04:05", "2006-01-02 15:04Z", "2006-01-02 15:04",
		"2006-01-02 15Z", "2006-01-02 15", "2006-01-02Z", "2006-01-02", "2006-002",
	}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q", s)
}

func evalDate(e *etree.Element, ctx *Context) (bool, error) {
	now := time.Now()
	if ctx != nil && !ctx.Now.IsZero() {
		now = ctx.Now
	}
	id := e.SelectAttrValue("id", "")
	var start, end *time.Time
	if s, ok := attrOf(e, "start"); ok {
		t, err := ParseTime(s)
		if err != nil {
			return false, fmt.Errorf("date_expression %s: %w", id, err)
		}
		start = &t
	}
	if s, ok := attrOf(e, "end"); ok {
		t, err := ParseTime(s)
		if err != nil {
			return false, fmt.Errorf("date_expression %s: %w", id, err)
		}
		end = &t
	}
	switch e.SelectAttrValue("operation", "in_range") {
	case "gt":
		return start != nil && now.After(*start), nil
	case "lt":
		return end != nil && now.Before(*end), nil
	case "in_range":
		if end == nil && start != nil {
			if du := e.SelectElement("duration"); du != nil {
				t := durationElem(du).AddTo(*start)
				end = &t
			}
		}
		if start == nil && end == nil {
			return false, fmt.Errorf("date_expression %s: in_range needs start or end", id)
		}
		if start != nil && now.Before(*start) {
			return false, nil
		}
		if end != nil && now.After(*end) {
			return false, nil
		}
		return true, nil
	case "date_spec":
		spec := e.SelectElement("date_spec")
		if spec == nil {
			return false, fmt.Errorf("date_expression %s: date_spec missing", id)
		}
		return matchSpec(spec, now)
	}
	return false, fmt.Errorf("date_expression %s: unknown operation", id)
}

func durationElem(e *etree.Element) Duration {
	get := func(n string) int {
		v, _ := strconv.Atoi(e.SelectAttrValue(n, "0"))
		return v
	}
	return Duration{Years: get("years"), Months: get("months"), Weeks: get("weeks"),
		Days: get("days"), Hours: get("hours"), Minutes: get("minutes"), Seconds: get("seconds")}
}

func matchSpec(spec *etree.Element, now time.Time) (bool, error) {
	wy, wk := now.ISOWeek()
	wd := int(now.Weekday())
	if wd == 0 {
		wd = 7 // ISO: Monday=1 .. Sunday=7
	}
	fields := []struct {
		name string
		v    int
	}{
		{"years", now.Year()}, {"months", int(now.Month())}, {"monthdays", now.Day()},
		{"hours", now.Hour()}, {"minutes", now.Minute()}, {"seconds", now.Second()},
		{"yeardays", now.YearDay()}, {"weekyears", wy}, {"weeks", wk}, {"weekdays", wd},
	}
	for _, f := range fields {
		r, ok := attrOf(spec, f.name)
		if !ok {
			continue
		}
		in, err := inRange(r, f.v)
		if err != nil {
			return false, fmt.Errorf("date_spec %s: %w", spec.SelectAttrValue("id", ""), err)
		}
		if !in {
			return false, nil
		}
	}
	return true, nil
}

// inRange matches "N" or "N-M" (either side may be empty).
func inRange(r string, v int) (bool, error) {
	r = strings.TrimSpace(r)
	lo, hi, isRange := strings.Cut(r, "-")
	if !isRange {
		n, err := strconv.Atoi(r)
		if err != nil {
			return false, fmt.Errorf("bad range %q", r)
		}
		return v == n, nil
	}
	if lo != "" {
		n, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			return false, fmt.Errorf("bad range %q", r)
		}
		if v < n {
			return false, nil
		}
	}
	if hi != "" {
		n, err := strconv.Atoi(strings.TrimSpace(hi))
		if err != nil {
			return false, fmt.Errorf("bad range %q", r)
		}
		if v > n {
			return false, nil
		}
	}
	return true, nil
}
