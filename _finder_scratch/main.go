// Throwaway: screenshots of the finder for a visual check. Not part of the build.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

func main() {
	base, mode, out, svc := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.Flag("no-sandbox", true), chromedp.Flag("enable-unsafe-swiftshader", true), chromedp.Flag("use-angle", "swiftshader"))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	w, h := int64(412), int64(860)
	url := base + "/map"
	var vopts []chromedp.EmulateViewportOption
	if mode == "kiosk" {
		w, h = 1600, 900
		url = base + "/kiosk"
	} else {
		vopts = append(vopts, chromedp.EmulateMobile)
	}
	lat, lon, acc := 34.5749, 110.0997, 10.0
	check := func(err error) {
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
	}
	check(chromedp.Do(ctx, chromedp.EmulateViewport(w, h, vopts...)))
	_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted})
	check(err)
	_, err = chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc})
	check(err)
	check(chromedp.Do(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS("body.ready")),
		chromedp.Sleep(1500*time.Millisecond),
		chromedp.Click(chromedp.CSS("#find")),
		chromedp.WaitVisible(chromedp.CSS(".finder-service[data-service="+svc+"]")),
		chromedp.Click(chromedp.CSS(".finder-service[data-service="+svc+"]")),
		chromedp.WaitVisible(chromedp.CSS(".finder-result")),
		chromedp.Sleep(2500*time.Millisecond),
	))
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	check(err)
	os.WriteFile(out+"-1.png", buf, 0o644)
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('.finder-result')].map(e=>e.innerText.replace(/\n/g,' | ')).join('\n')`))
	check(err)
	fmt.Println(text)
	rects, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([...document.querySelectorAll('.finder-pin,.finder-you,.here')].map(e=>{const r=e.getBoundingClientRect();return [e.className, Math.round(r.x), Math.round(r.y)]}).concat([['pitch', partymap.map.getPitch(), partymap.map.getZoom()], ['sheet', document.getElementById('find-sheet').getBoundingClientRect().top]]))`))
	fmt.Println(rects)
	check(chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang")), chromedp.Click(chromedp.CSS(".finder-locate")), chromedp.Sleep(2*time.Second)))
	check(chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(".finder-search input"), "cabin"), chromedp.Sleep(1500*time.Millisecond)))
	buf, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	os.WriteFile(out+"-3.png", buf, 0o644)
	check(chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".finder-result-button")), chromedp.Sleep(3*time.Second)))
	buf, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	check(err)
	os.WriteFile(out+"-2.png", buf, 0o644)
	card, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('card').innerText`))
	fmt.Println("CARD:", card)
}
