"""Batch benchmark: the full pipeline on 1 and on all workers against trafilatura alone, and peak memory.

    .venv/bin/python scripts/bench_batch.py                       # 2,000 pages, memory check at 20,000
    .venv/bin/python scripts/bench_batch.py --pages 500 --memory-pages 0
    .venv/bin/python scripts/bench_batch.py --page-size small     # the first version's 7 KB pages

Builds a corpus of glossary pages from templates, then runs each measurement in a fresh
subprocess and samples the resident memory of that subprocess and all its children
(psutil) to get the peak of the tree. Page n is generated from random.Random(n) alone, so a
corpus is the same on every run and machine.

--page-size picks the corpus:

- realistic (default): pages of the size and shape of real ones. Real pages are mostly
  not their article. Parsing, the consent and chrome rules and trafilatura cost per byte
  and per element, while segmenting, tagging, validating and writing cost per entry; on
  7 KB pages the first kind is a small share of the time, so the time per page and the
  pipeline/trafilatura ratio come out unlike those of a real crawl. In our two real-page
  sets the median page is 101 KB (shared/data/consent-pages: 252 pages with cookie
  banners) and 112 KB (shared/data/article-benchmark: 181 articles), p10 about 50 KB and
  p90 about 280 KB. Each page draws a target size from that distribution and wraps its
  glossary entry (four layouts) in chrome that grows with it: a head with meta tags,
  JSON-LD and script tags; a mega-menu, breadcrumbs, a related-terms sidebar, share
  buttons, a newsletter box, related-article teasers and a footer with link columns,
  with inline SVG icons on some sites; on half of the pages a consent banner (OneTrust-like
  with a preference centre, Cookiebot-like with cookie details, home-made, or inside the
  entry's container). Inline CSS and JS, an SVG sprite and page-state JSON then fill the
  page up to its target size. The 20,000-page memory corpus takes about 3 GB of temp space.
- small: the first version's corpus, 7 KB per page on average (four layouts, one of them
  with styles, scripts, a cookie banner, a link sidebar and a footer), unchanged so that
  its numbers stay reproducible.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

import psutil

# --- Glossary content, shared by both corpus kinds ---------------------------------------

SUBSTANCES = ["Serotonin", "Dopamine", "Cortisol", "Melatonin", "Oxytocin", "Ghrelin", "Leptin", "Insulin",
              "Thyroxine", "Adrenaline", "Prolactin", "GABA", "Glutamate", "Acetylcholine", "Vasopressin",
              "Estradiol", "Testosterone", "Progesterone", "Noradrenaline", "Endorphin"]
CONCEPTS = ["Tone", "Balance", "Rhythm", "Surge", "Sensitivity", "Threshold", "Feedback", "Window", "Reserve",
            "Drive", "Clearance", "Pulse", "Cascade", "Set Point", "Signalling"]
SENTENCES = [
    "{s} levels rise and fall over the day in a pattern that most adults share.",
    "The term describes how strongly tissues respond to {s} when its concentration changes.",
    "Clinicians use the idea to explain why the same dose can have different effects in different people.",
    "Researchers first described the pattern after repeated blood sampling in volunteers kept on fixed schedules.",
    "It is shaped by sleep, meals, stress and the time of year, and it changes with age.",
    "Receptors in the hypothalamus read the signal and adjust the release of other hormones in turn.",
    "Low values are linked with fatigue and poor concentration, high values with restlessness.",
    "The concept appears in endocrinology textbooks and in research on mood and metabolism.",
    "Measurements are usually taken in the morning, because the values drift later in the day.",
    "Feedback loops keep the system within a range that suits the body's current needs.",
    "Medicines that block reuptake or breakdown of {s} shift the pattern within days.",
    "Animal studies suggest the mechanism is conserved across mammals.",
]
HEADINGS = [("Origin", 2), ("Mechanism", 3), ("Clinical significance", 2), ("How it is measured", 2),
            ("Risks", 2), ("Related terms", 1)]


def _prose(rng: random.Random, substance: str, count: int) -> str:
    return " ".join(rng.choice(SENTENCES).format(s=substance) for _ in range(count))


def _sections(rng: random.Random, substance: str, level: int) -> str:
    body = ""
    for heading, sentences in rng.sample(HEADINGS, rng.randint(1, 4)):
        paragraphs = "".join(f"<p>{_prose(rng, substance, sentences + rng.randint(1, 4))}</p>"
                             for _ in range(rng.randint(1, 3)))
        body += f"<h{level}>{heading}</h{level}>{paragraphs}"
    return body


# --- Small pages: the first version's corpus, kept byte for byte --------------------------

SMALL_COOKIE = ('<div class="cookie-banner" id="cookie-consent"><p>We use cookies to improve your experience and to '
                'measure traffic. By clicking accept you agree to our use of cookies.</p><button>Accept all</button>'
                "<button>Manage preferences</button></div>")
SMALL_NAV = ('<header><nav class="main-nav"><ul><li><a href="/">Home</a></li><li><a href="/glossary">Glossary</a>'
             '</li><li><a href="/about">About</a></li><li><a href="/contact">Contact</a></li></ul></nav></header>')
SMALL_HEAD_EXTRAS = ("<style>" + "".join(f".c{n}{{margin:{n}px;padding:{n % 7}px}}" for n in range(150)) + "</style>"
                     "<script>" + "".join(f"window.t{n}=function(){{return {n};}};" for n in range(120)) + "</script>")
SMALL_SIDEBAR = ('<aside class="sidebar"><h3>More terms</h3><ul>'
                 + "".join(f'<li><a href="/glossary/{s.lower()}-{c.lower().replace(" ", "-")}">{s} {c}</a></li>'
                           for s in SUBSTANCES[:8] for c in CONCEPTS[:5]) + "</ul></aside>")
SMALL_FOOTER = ('<footer class="site-footer"><p>© 2024 Health Glossary. All rights reserved.</p><p><a href="/privacy">'
                'Privacy</a> | <a href="/terms">Terms</a></p></footer>')


def make_small_page(number: int) -> str:
    rng = random.Random(number)
    substance = rng.choice(SUBSTANCES)
    term = f"{substance} {rng.choice(CONCEPTS)} {number}"
    layout = number % 4
    lead = f"<p>{term} is {_prose(rng, substance, rng.randint(2, 4))}</p>"
    if layout == 0:
        body = f"<main><article><h1>{term}</h1>{lead}{_sections(rng, substance, 2)}</article></main>"
    elif layout == 1:
        items = "".join(f"<dt>{substance} {c} {number}</dt><dd>{_prose(rng, substance, rng.randint(2, 3))}</dd>"
                        for c in rng.sample(CONCEPTS, 3))
        term = f"{substance} Glossary {number}"
        body = f"<main><h1>{term}</h1><dl>{items}</dl></main>"
    elif layout == 2:
        body = (f"{SMALL_COOKIE}{SMALL_NAV}<main><article><h1>{term}</h1>{lead}{_sections(rng, substance, 2)}"
                "</article></main>")
        body += f'<aside class="related"><h3>Related</h3><ul><li><a href="/a">{substance} basics</a></li></ul></aside>'
        body += SMALL_SIDEBAR + SMALL_FOOTER
    else:
        items = "".join(f"<li>{_prose(rng, substance, 1)}</li>" for _ in range(rng.randint(2, 5)))
        body = (f"{SMALL_NAV}<div class='content'><h1>{term}</h1>{lead}<ul>{items}</ul>"
                f"{_sections(rng, substance, 3)}</div>")
        body += SMALL_FOOTER
    extras = SMALL_HEAD_EXTRAS if layout >= 2 else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{term} | Health Glossary</title>'
            f"{extras}</head><body>{body}</body></html>")


# --- Realistic pages ----------------------------------------------------------------------

# Target page size: a log-normal with a longer upper tail, fitted to the two real-page sets
# (pooled: p10 48 KB, median 108 KB, p90 289 KB). Below the median the spread is
# ln(100/47)/1.28, above it ln(270/100)/1.28 (the chrome adds some spread of its own).
MEDIAN_PAGE_BYTES = 100_000
SIGMA_BELOW_MEDIAN = 0.59
SIGMA_ABOVE_MEDIAN = 0.77
MIN_PAGE_BYTES = 25_000
MAX_PAGE_BYTES = 1_500_000
# Real pages have more elements the bigger they are, but less than proportionally (743
# elements at the median, 371 at p10, 1,311 at p90): the chrome's element count follows
# (size / median) ** this exponent; inline scripts and styles make up the rest of the bytes.
ELEMENTS_SIZE_EXPONENT = 0.8

SITES = [("Health Glossary", "www.healthglossary.example"), ("Hormone Hub", "hormonehub.example"),
         ("WellBeing Atlas", "www.wellbeingatlas.example"), ("The Endocrine Desk", "endocrinedesk.example"),
         ("MindBody Reference", "www.mindbodyref.example"), ("Vital Terms", "vitalterms.example")]
MENU_SECTIONS = ["Conditions", "Symptoms", "Hormones", "Brain & Mood", "Sleep", "Nutrition", "Fitness",
                 "Medications", "Tests & Procedures", "Healthy Ageing", "Tools", "News", "Glossary"]
TOPICS = ["Sleep Disorders", "Insomnia", "Stress", "Anxiety", "Depression", "Weight Management", "Metabolism",
          "Blood Sugar", "Menopause", "Pregnancy", "Fertility", "Puberty", "Adrenal Health", "Cholesterol",
          "Blood Pressure", "Vitamins", "Supplements", "Gut Health", "Immunity", "Migraine", "Memory", "Focus",
          "Energy", "Recovery", "Hydration", "Skin Health", "Bone Health", "Joint Pain", "Running",
          "Strength Training", "Yoga", "Meditation", "Thyroid Disorders", "Diabetes", "Heart Health", "Burnout",
          "Circadian Rhythm", "Appetite", "Libido", "Mood Swings", "Hair Loss", "Chronic Fatigue"]
TOPIC_SUFFIXES = ["", "", "", " basics", " guide", " FAQ", " research", " treatments", " in women", " in men"]
PEOPLE = ["Anna Berg", "James Okafor", "Maria Lopez", "Chen Wei", "Sarah Fischer", "David Novak", "Priya Raman",
          "Tom Hughes", "Lena Kowalski", "Omar Haddad"]
CREDENTIALS = ["MD", "PhD", "RD", "MSc", "DO", "PharmD"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
TEASER_TITLES = ["{n} signs your {s} is out of balance", "What happens to {s} when you skip sleep",
                 "How {t} affects your {s} levels", "The science of {t}: what we know so far",
                 "Is {t} linked to low {s}?", "{s} explained: a beginner's guide",
                 "Can diet change your {s}? Experts weigh in", "{t} and hormones: {n} myths debunked"]
TEASER_EXCERPTS = ["New research looks at how daily habits shape {s} and what that means for you.",
                   "Our experts explain the evidence, the myths and what you can do today.",
                   "A clear guide to symptoms, tests and treatment options.",
                   "Small changes to your routine can make a measurable difference, studies suggest.",
                   "Doctors answer the questions readers ask most often."]
SHARE_NETWORKS = [("facebook", "Facebook", "https://www.facebook.com/sharer/sharer.php?u="),
                  ("x", "X", "https://x.com/intent/post?url="),
                  ("linkedin", "LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?url="),
                  ("pinterest", "Pinterest", "https://pinterest.com/pin/create/button/?url="),
                  ("whatsapp", "WhatsApp", "https://api.whatsapp.com/send?text="),
                  ("reddit", "Reddit", "https://www.reddit.com/submit?url="),
                  ("email", "Email", "mailto:?body=")]
NEWSLETTER_TITLES = ["Get our weekly health newsletter", "Stay in the loop", "Sign up for Hormone Health Weekly",
                     "The latest science, in your inbox"]
FOOTER_COLUMNS = {
    "About us": ["Our mission", "Editorial policy", "Medical review board", "Careers", "Press", "Contact us",
                 "Advertise with us", "Partnerships"],
    "Tools": ["Symptom checker", "BMI calculator", "Sleep calculator", "Hormone quiz", "Find a doctor",
              "Drug interaction checker", "Ovulation calculator"],
    "Legal": ["Privacy policy", "Cookie policy", "Terms of use", "Accessibility", "Do not sell my personal information",
              "Cookie settings", "Imprint"],
    "Help": ["FAQ", "Sitemap", "Report an error", "Newsletter archive", "Subscriptions", "Log in"],
}
DISCLAIMER = ("This website does not provide medical advice. Its content is for informational purposes only and is "
              "not a substitute for professional medical advice, diagnosis or treatment.")
LANGUAGES = ["de", "fr", "es", "it", "nl", "pl", "pt", "sv", "da", "fi", "cs", "ja"]

# Consent texts in the wordings real banners use (English only, like the entries).
CONSENT_TEXTS = [
    "We use cookies and similar technologies to improve your experience, analyse traffic and show personalised "
    "content. By clicking “Accept all”, you agree to the storing of cookies on your device.",
    "This website uses cookies to ensure you get the best experience on our website.",
    "We and our partners store and/or access information on a device, such as cookies, and process personal data "
    "such as unique identifiers and browsing data for personalised ads and content, ad and content measurement, "
    "audience insights and product development.",
    "By continuing to browse this site you agree to our use of cookies. Find out more in our cookie policy.",
    "We use cookies to personalise content and ads, to provide social media features and to analyse our traffic. "
    "We also share information about your use of our site with our social media, advertising and analytics partners.",
]
ONETRUST_CATEGORIES = [
    ("Strictly Necessary Cookies", "These cookies are necessary for the website to function and cannot be switched "
     "off in our systems. They are usually only set in response to actions made by you which amount to a request for "
     "services, such as setting your privacy preferences, logging in or filling in forms."),
    ("Performance Cookies", "These cookies allow us to count visits and traffic sources so we can measure and improve "
     "the performance of our site. They help us to know which pages are the most and least popular and see how "
     "visitors move around the site."),
    ("Functional Cookies", "These cookies enable the website to provide enhanced functionality and personalisation. "
     "They may be set by us or by third party providers whose services we have added to our pages."),
    ("Targeting Cookies", "These cookies may be set through our site by our advertising partners. They may be used by "
     "those companies to build a profile of your interests and show you relevant adverts on other sites."),
    ("Social Media Cookies", "These cookies are set by a range of social media services that we have added to the "
     "site to enable you to share our content with your friends and networks."),
]
COOKIEBOT_CATEGORIES = [
    ("Necessary", "Necessary cookies help make a website usable by enabling basic functions like page navigation and "
     "access to secure areas of the website. The website cannot function properly without these cookies."),
    ("Preferences", "Preference cookies enable a website to remember information that changes the way the website "
     "behaves or looks, like your preferred language or the region that you are in."),
    ("Statistics", "Statistic cookies help website owners to understand how visitors interact with websites by "
     "collecting and reporting information anonymously."),
    ("Marketing", "Marketing cookies are used to track visitors across websites. The intention is to display ads that "
     "are relevant and engaging for the individual user and thereby more valuable for publishers and third party "
     "advertisers."),
    ("Unclassified", "Unclassified cookies are cookies that we are in the process of classifying, together with the "
     "providers of individual cookies."),
]
COOKIES = [("_ga", "Google", "Registers a unique ID that is used to generate statistical data on how the visitor "
            "uses the website.", "2 years"),
           ("_gid", "Google", "Registers a unique ID that is used to generate statistical data on how the visitor "
            "uses the website.", "1 day"),
           ("CookieConsent", "Cookiebot", "Stores the user's cookie consent state for the current domain.", "1 year"),
           ("IDE", "Google", "Used by Google DoubleClick to register and report the website user's actions after "
            "viewing or clicking one of the advertiser's ads.", "1 year"),
           ("_fbp", "Meta Platforms", "Used by Facebook to deliver a series of advertisement products such as real "
            "time bidding from third party advertisers.", "3 months"),
           ("test_cookie", "Google", "Used to check if the user's browser supports cookies.", "1 day"),
           ("NID", "Google", "Registers a unique ID that identifies a returning user's device.", "6 months")]

# Vocabulary of the inline CSS and JS that fill pages to their target size.
CSS_BLOCKS = ["header", "nav", "card", "btn", "hero", "footer", "sidebar", "teaser", "modal", "share", "newsletter",
              "breadcrumb", "article", "grid", "badge", "icon", "form", "input", "menu", "tabs", "toc", "ad-slot"]
CSS_ELEMENTS = ["", "", "__inner", "__title", "__link", "__item", "__icon", "__body", "__meta", "__image", "__label"]
CSS_MODIFIERS = ["", "", "", "--active", "--primary", "--large", "--small", "--dark", "--open", "--sticky"]
CSS_PSEUDO = ["", "", "", ":hover", ":focus-visible", "::before", "::after", " > a", " img", ":not(:last-child)"]
CSS_PROPERTIES = [
    ("display", ["flex", "block", "grid", "none", "inline-flex", "inline-block"]),
    ("margin", ["0", "0 auto", "8px 0", "1rem 0 1.5rem", "0 0 var(--space-m)", "24px 16px"]),
    ("padding", ["0", "4px 8px", ".75rem 1rem", "16px", "var(--space-s) var(--space-m)", "2rem 0"]),
    ("color", ["#1a1a1a", "#fff", "var(--color-text)", "#0b5cab", "rgba(0,0,0,.64)", "inherit"]),
    ("background-color", ["#fff", "#f4f6f8", "var(--color-surface)", "#0b5cab", "transparent", "#fdf6e3"]),
    ("font-size", ["12px", ".875rem", "1rem", "1.125rem", "clamp(1.5rem,2vw + 1rem,2.5rem)", "14px"]),
    ("line-height", ["1", "1.2", "1.4", "1.6", "normal"]),
    ("font-weight", ["400", "500", "600", "700"]),
    ("border", ["0", "1px solid #e1e4e8", "2px solid var(--color-primary)", "1px solid rgba(0,0,0,.12)"]),
    ("border-radius", ["0", "2px", "4px", "8px", "999px", "50%"]),
    ("transition", ["all .2s ease", "opacity .3s", "transform .25s cubic-bezier(.4,0,.2,1)", "none"]),
    ("gap", ["4px", "8px", "1rem", "var(--space-m)", "24px 16px"]),
    ("align-items", ["center", "flex-start", "stretch", "baseline"]),
    ("justify-content", ["space-between", "center", "flex-end", "flex-start"]),
    ("position", ["relative", "absolute", "sticky", "fixed", "static"]),
    ("z-index", ["1", "10", "100", "999", "2147483647"]),
    ("width", ["100%", "auto", "24px", "calc(100% - 2rem)", "min(100%,720px)"]),
    ("max-width", ["1200px", "72ch", "100%", "none", "var(--container)"]),
    ("text-decoration", ["none", "underline", "underline dotted"]),
    ("box-shadow", ["none", "0 1px 3px rgba(0,0,0,.12)", "0 8px 24px rgba(17,24,39,.16)"]),
]
JS_NAMES = ["init", "render", "track", "lazy", "debounce", "throttle", "handle", "fetchData", "bindEvents", "observe",
            "slider", "modal", "menu", "consent", "analytics", "loadAds", "store", "router", "dispatch", "hydrate",
            "prefetch", "toggle", "resize", "scrollSpy", "share", "subscribe"]
JS_EVENTS = ["nav_click", "share_click", "newsletter_submit", "scroll_depth", "video_play", "ad_impression",
             "outbound_link", "search_submit", "related_click"]
JS_SNIPPETS = [
    'var {a}=function(e,t,n){{"use strict";n.r(t),n.d(t,{{default:function(){{return {b}}}}});var r=n({n}),'
    'o=n.n(r);function {b}(e){{var t=e.{c},n=e.children;return o().createElement("div",{{className:"{k}"}},t,n)}}}};',
    "function {a}(e,t){{for(var n=0;n<t.length;n++){{var r=t[n];r.enumerable=r.enumerable||!1,r.configurable=!0,"
    '"value"in r&&(r.writable=!0),Object.defineProperty(e,r.key,r)}}}}',
    'var {a}=document.querySelectorAll("[data-{k}]");Array.prototype.forEach.call({a},function(e){{e.addEventListener('
    '"click",function(){{window.dataLayer=window.dataLayer||[],window.dataLayer.push({{event:"{s}",label:e.getAttribute'
    '("data-{k}")}})}})}});',
    '{a}.prototype.{b}=function(e){{var t=this;return this.{c}?Promise.resolve(this.{c}):fetch("/api/{s}/"+e).then('
    "function(e){{return e.json()}}).then(function(e){{return t.{c}=e,e}})}};",
    'if(typeof window!=="undefined"&&window.{a}){{window.{a}.{b}({{id:{n},slot:"{s}",sizes:[[300,250],[728,90]],'
    'targeting:{{section:"{k}"}}}})}}',
    "const {a}=({b},{c})=>{{const t=new IntersectionObserver(e=>{{e.forEach(e=>{{e.isIntersecting&&(e.target."
    'classList.add("{k}--visible"),t.unobserve(e.target))}})}},{{rootMargin:"{n}px"}});{b}.forEach(e=>t.observe(e))}};',
    'function {a}(e){{var t=arguments.length>1&&void 0!==arguments[1]?arguments[1]:{n},n;return function(){{var r=this,'
    "o=arguments;clearTimeout(n),n=setTimeout(function(){{e.apply(r,o)}},t)}}}}",
    'window.{a}=window.{a}||{{}};window.{a}.{b}={{enabled:!0,endpoint:"https://events.{k}.example/v{n}/collect",'
    'sampleRate:.{n},events:["{s}","page_view"]}};',
]
# Head and end-of-body scripts that load code from elsewhere: many per real page (median 27
# script elements), most of them small.
SCRIPT_SOURCES = ["https://www.googletagmanager.com/gtag/js?id=G-{h}", "/_next/static/chunks/{h}.js",
                  "/wp-includes/js/jquery/jquery.min.js?ver=3.7.1", "https://securepubads.g.doubleclick.net/tag/js/gpt.js",
                  "/static/js/main.{h}.chunk.js", "/wp-content/plugins/social-share/assets/share.min.js?ver={h}",
                  "https://connect.facebook.net/en_US/fbevents.js", "/assets/js/vendor.{h}.js",
                  "https://cdn.jsdelivr.net/npm/lazysizes@5.3.2/lazysizes.min.js", "/assets/js/runtime.{h}.js"]
GTM_SNIPPET = ("(function(w,d,s,l,i){{w[l]=w[l]||[];w[l].push({{'gtm.start':new Date().getTime(),event:'gtm.js'}});"
               "var f=d.getElementsByTagName(s)[0],j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;"
               "j.src='https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);}})"
               "(window,document,'script','dataLayer','GTM-{h}');")
ICONS = ["search", "menu", "close", "chevron-down", "facebook", "x", "linkedin", "pinterest", "whatsapp", "reddit",
         "email", "print", "bookmark", "arrow-right", "user", "clock", "info", "check", "play", "instagram", "youtube"]


@dataclass(frozen=True)
class _Site:
    name: str
    domain: str
    # Most real pages have no inline SVG (the median page none, p75 eight): the others
    # draw icons with an icon font.
    svg_icons: bool

    def url(self, path: str) -> str:
        return f"https://{self.domain}{path}"


@dataclass(frozen=True)
class _Entry:
    """The glossary entry of a page: the part the pipeline is meant to keep."""

    term: str
    lead: str
    html: str


# Where the fillers go: the page is built around these markers, measured, then the fillers
# are sized to the bytes still missing and put in their place.
FILLER_SLOTS = ("head_css", "head_js", "sprite", "state_json", "bundle_js")


def _slot(name: str) -> str:
    return f"\x00{name}\x00"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _hex(rng: random.Random, digits: int = 8) -> str:
    return f"{rng.getrandbits(4 * digits):0{digits}x}"


def _target_bytes(rng: random.Random) -> int:
    z = rng.gauss(0.0, 1.0)
    sigma = SIGMA_BELOW_MEDIAN if z < 0 else SIGMA_ABOVE_MEDIAN
    return min(MAX_PAGE_BYTES, max(MIN_PAGE_BYTES, round(MEDIAN_PAGE_BYTES * math.exp(sigma * z))))


def _svg_path(rng: random.Random, commands: int) -> str:
    parts = [f"M{rng.uniform(0, 24):.2f} {rng.uniform(0, 24):.2f}"]
    for _ in range(commands):
        kind = rng.random()
        if kind < 0.45:
            parts.append("c" + " ".join(f"{rng.uniform(-6, 6):.2f}" for _ in range(6)))
        elif kind < 0.75:
            parts.append(f"l{rng.uniform(-8, 8):.2f} {rng.uniform(-8, 8):.2f}")
        elif kind < 0.9:
            parts.append(f"{rng.choice('hv')}{rng.uniform(-10, 10):.2f}")
        else:
            parts.append(f"a{rng.uniform(1, 9):.1f} {rng.uniform(1, 9):.1f} 0 0 1 {rng.uniform(-8, 8):.2f} "
                         f"{rng.uniform(-8, 8):.2f}z")
    return "".join(parts)


def _svg_icon(rng: random.Random, name: str) -> str:
    return (f'<svg class="icon icon--{name}" width="24" height="24" viewBox="0 0 24 24" aria-hidden="true" '
            f'focusable="false"><path fill="currentColor" d="{_svg_path(rng, rng.randint(4, 16))}"/></svg>')


def _icon(rng: random.Random, site: _Site, name: str) -> str:
    if site.svg_icons:
        return _svg_icon(rng, name)
    return f'<i class="icon icon-{name}" aria-hidden="true"></i>'


def _menu_label(rng: random.Random) -> str:
    return escape(rng.choice(TOPICS) + rng.choice(TOPIC_SUFFIXES))


# Chrome ---------------------------------------------------------------------------------

def _head(rng: random.Random, site: _Site, entry: _Entry, url: str, json_ld: str, script_tags: str) -> str:
    description = escape(entry.lead[:155])
    title = escape(f"{entry.term} | {site.name}")
    image = site.url(f"/images/og/{_slug(entry.term)}-{_hex(rng)}.jpg")
    hreflang = "".join(f'<link rel="alternate" hreflang="{lang}" href="https://{lang}.{site.domain}/{_slug(entry.term)}/">'
                       for lang in rng.sample(LANGUAGES, rng.choice([0, 0, 3, 8, 12])))
    stylesheets = "".join(f'<link rel="stylesheet" id="style-{n}-css" href="{site.url("/assets/css/")}{_hex(rng)}.css'
                          f'?ver={rng.randint(1, 9)}.{rng.randint(0, 20)}" media="all">'
                          for n in range(rng.randint(2, 9)))
    return (
        '<head><meta charset="utf-8"><meta http-equiv="X-UA-Compatible" content="IE=edge">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><meta name=\"description\" content=\"{description}\">"
        '<meta name="robots" content="index, follow, max-image-preview:large, max-snippet:-1">'
        f'<link rel="canonical" href="{url}"><meta property="og:locale" content="en_US">'
        f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
        f'<meta property="og:description" content="{description}"><meta property="og:url" content="{url}">'
        f'<meta property="og:site_name" content="{escape(site.name)}"><meta property="og:image" content="{image}">'
        '<meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">'
        f'<meta name="twitter:card" content="summary_large_image"><meta name="twitter:title" content="{title}">'
        f'<meta name="google-site-verification" content="{_hex(rng, 32)}"><meta name="theme-color" content="#0b5cab">'
        '<link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>'
        '<link rel="preconnect" href="https://www.googletagmanager.com">'
        f'<link rel="dns-prefetch" href="//cdn.{site.domain}">'
        f'<link rel="preload" href="/fonts/inter-var-{_hex(rng)}.woff2" as="font" type="font/woff2" crossorigin>'
        '<link rel="icon" href="/favicon-32x32.png" sizes="32x32">'
        '<link rel="apple-touch-icon" href="/apple-touch-icon.png">'
        '<link rel="manifest" href="/site.webmanifest"><link rel="alternate" type="application/rss+xml" '
        f'title="{escape(site.name)} &raquo; Feed" href="{site.url("/feed/")}">{hreflang}{stylesheets}'
        f'<script type="application/ld+json">{json_ld}</script>'
        f"{_slot('head_css')}<script>{GTM_SNIPPET.format(h=_hex(rng, 7).upper())}</script>"
        f"{_slot('head_js')}{script_tags}</head>"
    )


def _json_ld(rng: random.Random, site: _Site, entry: _Entry, url: str, crumbs: list[tuple[str, str]]) -> str:
    reviewer = rng.choice(PEOPLE)
    graph = [
        {"@type": "Organization", "@id": site.url("/#organization"), "name": site.name, "url": site.url("/"),
         "logo": {"@type": "ImageObject", "url": site.url("/images/logo.png"), "width": 600, "height": 60},
         "sameAs": [f"https://www.{network}.com/{_slug(site.name)}"
                    for network in ("facebook", "instagram", "youtube")]},
        {"@type": "WebSite", "@id": site.url("/#website"), "url": site.url("/"), "name": site.name,
         "potentialAction": {"@type": "SearchAction", "target": site.url("/search?q={search_term_string}"),
                             "query-input": "required name=search_term_string"}},
        {"@type": "MedicalWebPage", "@id": url, "url": url, "name": entry.term, "description": entry.lead,
         "dateModified": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
         "reviewedBy": {"@type": "Person", "name": reviewer, "jobTitle": rng.choice(CREDENTIALS)},
         "about": {"@type": "DefinedTerm", "name": entry.term, "inDefinedTermSet": site.url("/glossary/")}},
        {"@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": site.url(path)}
            for n, (name, path) in enumerate(crumbs, start=1)]},
    ]
    return json.dumps({"@context": "https://schema.org", "@graph": graph}, ensure_ascii=False)


def _header(rng: random.Random, site: _Site, links: int) -> str:
    """Logo, search form and a mega-menu of `links` links; some sites repeat the menu for mobile."""
    sections = rng.sample(MENU_SECTIONS, max(3, min(len(MENU_SECTIONS), round(links / rng.uniform(5, 10)))))
    per_section = max(1, links // len(sections))
    items = []
    for section in sections:
        columns = []
        remaining = per_section
        while remaining > 0:
            count = min(remaining, rng.randint(4, 12))
            remaining -= count
            column_links = "".join(
                '<li class="menu-item menu-item-type-taxonomy menu-item-object-category '
                f'menu-item-{rng.randint(100, 99999)}">'
                f'<a href="{site.url("/topics/" + _slug(label) + "/")}" class="mega-menu__link" data-nav-level="2" '
                f'data-track="nav|{_slug(section)}|{_slug(label)}">{label}</a></li>'
                for label in (_menu_label(rng) for _ in range(count)))
            columns.append(f'<div class="mega-menu__column"><p class="mega-menu__heading">{_menu_label(rng)}</p>'
                           f'<ul class="sub-menu">{column_links}</ul></div>')
        promo = ""
        if rng.random() < 0.4:
            promo = (f'<div class="mega-menu__promo"><img src="{site.url("/images/promo/" + _hex(rng) + ".jpg")}" '
                     f'alt="" width="280" height="160" loading="lazy"><a href="{site.url("/features/" + _hex(rng))}" '
                     f'class="mega-menu__promo-link">{escape(_teaser_title(rng))}</a></div>')
        items.append(
            '<li class="menu-item menu-item-type-custom menu-item-object-custom menu-item-has-children '
            f'menu-item-{rng.randint(100, 99999)}"><a href="{site.url("/" + _slug(section) + "/")}" data-nav-level="1" '
            f'aria-haspopup="true" aria-expanded="false">{escape(section)}{_icon(rng, site, "chevron-down")}</a>'
            f'<div class="mega-menu__panel" data-columns="{len(columns)}">{"".join(columns)}{promo}</div></li>')
    menu = f'<ul id="primary-menu" class="menu nav-menu mega-menu">{"".join(items)}</ul>'
    logo = (f'<svg class="logo" width="180" height="32" viewBox="0 0 180 32" aria-hidden="true"><path '
            f'd="{_svg_path(rng, 40)}"/><path d="{_svg_path(rng, 40)}"/></svg>' if site.svg_icons else
            f'<img class="logo" src="{site.url("/images/logo.svg")}" width="180" height="32" alt="">')
    mobile = ""
    if rng.random() < 0.2:
        mobile_menu = menu.replace('id="primary-menu"', 'id="mobile-primary-menu"', 1)
        mobile = f'<div id="mobile-menu" class="mobile-menu offcanvas" hidden aria-hidden="true">{mobile_menu}</div>'
    return (
        f'<header id="masthead" class="site-header site-header--sticky header--{_hex(rng, 4)}" role="banner">'
        f'<div class="site-branding"><a href="{site.url("/")}" class="custom-logo-link" rel="home" '
        f'aria-label="{escape(site.name)} home">{logo}'
        f'<span class="site-title">{escape(site.name)}</span></a></div>'
        f'<form role="search" method="get" class="search-form" action="{site.url("/search")}">'
        '<label class="screen-reader-text" for="search-field">Search for:</label>'
        '<input type="search" id="search-field" class="search-field" placeholder="Search conditions, symptoms, terms" '
        f'name="q" autocomplete="off"><button type="submit" class="search-submit">{_icon(rng, site, "search")}'
        '<span class="screen-reader-text">Search</span></button></form>'
        '<nav id="site-navigation" class="main-navigation" aria-label="Main menu" data-component="MegaMenu">'
        f'<button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">{_icon(rng, site, "menu")}'
        f"<span>Menu</span></button>{menu}</nav>{mobile}</header>"
    )


def _breadcrumbs(site: _Site, crumbs: list[tuple[str, str]], in_nav: bool) -> str:
    items = "".join(
        '<li class="breadcrumb__item" itemprop="itemListElement" itemscope itemtype="https://schema.org/ListItem">'
        f'<a itemprop="item" href="{site.url(path)}"><span itemprop="name">{escape(name)}</span></a>'
        f'<meta itemprop="position" content="{n}"></li>'
        for n, (name, path) in enumerate(crumbs, start=1))
    inner = f'<ol class="breadcrumb" itemscope itemtype="https://schema.org/BreadcrumbList">{items}</ol>'
    if in_nav:
        return f'<nav aria-label="Breadcrumb" class="breadcrumbs">{inner}</nav>'
    return f'<div class="breadcrumbs yoast-breadcrumb">{inner}</div>'


def _share_buttons(rng: random.Random, site: _Site, url: str, term: str) -> str:
    buttons = "".join(
        f'<a class="share-button share-button--{key}" href="{prefix}{url}" target="_blank" rel="noopener noreferrer" '
        f'aria-label="Share on {label}" data-share-network="{key}" data-track="share|{key}">{_icon(rng, site, key)}'
        f'<span class="share-button__label">{label}</span></a>'
        for key, label, prefix in rng.sample(SHARE_NETWORKS, rng.randint(3, len(SHARE_NETWORKS))))
    return (f'<div class="share-buttons share-buttons--{rng.choice(["inline", "floating", "bar"])}" '
            f'data-share-url="{url}" data-share-title="{escape(term)}"><span class="share-buttons__title">Share</span>'
            f"{buttons}</div>")


def _related_terms(rng: random.Random, site: _Site, count: int) -> str:
    terms = "".join(
        f'<li class="related-terms__item"><a href="{site.url("/glossary/" + _slug(s + " " + c) + "/")}">{s} {c}'
        "</a></li>"
        for s, c in ((rng.choice(SUBSTANCES), rng.choice(CONCEPTS)) for _ in range(count)))
    popular = "".join(f'<li><a href="{site.url("/topics/" + _hex(rng) + "/")}">{escape(_teaser_title(rng))}</a></li>'
                      for _ in range(rng.randint(3, 6)))
    return (f'<section class="widget widget_related_terms"><h3 class="widget-title">Related terms</h3>'
            f'<ul class="related-terms">{terms}</ul></section><section class="widget widget_popular">'
            f'<h3 class="widget-title">Popular this week</h3><ol class="popular-posts">{popular}</ol></section>'
            f'<div class="ad-slot ad-slot--mpu" id="div-gpt-ad-{_hex(rng)}" data-ad-unit="/21{rng.randint(0, 99999)}'
            '/health/glossary" data-sizes="[[300,250],[300,600]]" data-lazy="true"></div>')


def _newsletter(rng: random.Random, site: _Site) -> str:
    field = f"newsletter-email-{_hex(rng, 4)}"
    return (f'<section class="newsletter-signup newsletter--{rng.choice(["inline", "boxed", "wide"])}" '
            f'data-component="NewsletterSignup" data-list-id="{_hex(rng)}">{_icon(rng, site, "email")}'
            f'<h3 class="newsletter-signup__title">{rng.choice(NEWSLETTER_TITLES)}</h3>'
            '<p class="newsletter-signup__text">Evidence-based news on hormones, sleep and mood, delivered every '
            f'{rng.choice(["Tuesday", "Friday", "week"])}.</p><form action="{site.url("/api/newsletter")}" '
            'method="post" '
            f'class="newsletter-signup__form"><label for="{field}">Email address</label><input type="email" '
            f'id="{field}" name="email" required placeholder="you@example.com"><button type="submit" '
            'class="btn btn--primary">Sign up</button></form><p class="newsletter-signup__legal">By signing up you '
            'agree to our Terms of Use and Privacy Policy. You can unsubscribe at any time.</p></section>')


def _teaser_title(rng: random.Random) -> str:
    title = rng.choice(TEASER_TITLES).format(n=rng.randint(3, 12), s=rng.choice(SUBSTANCES).lower(),
                                             t=rng.choice(TOPICS).lower())
    return title[0].upper() + title[1:]


def _teasers(rng: random.Random, site: _Site, count: int) -> str:
    cards = []
    for _ in range(count):
        path = f"/articles/{_hex(rng)}/"
        topic = escape(rng.choice(TOPICS))
        cards.append(
            f'<div class="card card--teaser" data-id="{rng.randint(1000, 999999)}" data-track="related|{len(cards)}">'
            f'<a href="{site.url(path)}" class="card__image-link" tabindex="-1"><img class="card__image lazyload" '
            'src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
            f'data-src="{site.url("/images/" + _hex(rng) + "-640x360.jpg")}" '
            f'data-srcset="{site.url("/images/" + _hex(rng) + "-320x180.jpg")} 320w, '
            f'{site.url("/images/" + _hex(rng) + "-640x360.jpg")} 640w" alt="" width="640" height="360"></a>'
            f'<div class="card__body"><span class="card__category">{topic}</span><h3 class="card__title">'
            f'<a href="{site.url(path)}">{escape(_teaser_title(rng))}</a></h3><p class="card__excerpt">'
            f'{escape(rng.choice(TEASER_EXCERPTS).format(s=rng.choice(SUBSTANCES).lower()))}</p>'
            f'<span class="card__meta">{_icon(rng, site, "clock")}{rng.randint(3, 15)} min read</span></div></div>')
    return (f'<section class="related-articles" aria-labelledby="related-title"><h2 id="related-title" '
            f'class="section-title">{rng.choice(["Related articles", "You might also like", "More from our experts"])}'
            f'</h2><div class="card-grid card-grid--{count}">{"".join(cards)}</div></section>')


def _footer(rng: random.Random, site: _Site, links: int) -> str:
    titles = ["Topics", *rng.sample(sorted(FOOTER_COLUMNS), rng.randint(2, len(FOOTER_COLUMNS)))]
    topic_links = max(4, links - sum(len(FOOTER_COLUMNS[t]) for t in titles[1:]))
    columns = []
    for title in titles:
        labels = [_menu_label(rng) for _ in range(topic_links)] if title == "Topics" else FOOTER_COLUMNS[title]
        items = "".join(f'<li class="footer-menu__item"><a href="{site.url("/" + _slug(label) + "/")}">{label}</a></li>'
                        for label in labels)
        columns.append(f'<div class="footer-col footer-col--{_slug(title)}"><h4 class="footer-col__title">{title}</h4>'
                       f'<ul class="footer-menu">{items}</ul></div>')
    social = "".join(f'<a href="https://www.{name}.com/{_slug(site.name)}" class="social-link social-link--{name}" '
                     f'aria-label="{site.name} on {name}">{_icon(rng, site, name)}</a>'
                     for name in rng.sample(["facebook", "instagram", "youtube", "pinterest", "linkedin", "x"], 4))
    return (f'<footer id="colophon" class="site-footer" role="contentinfo"><div class="footer-widgets">'
            f'{"".join(columns)}</div><div class="footer-social">{social}</div><div class="footer-bottom">'
            f'<p class="disclaimer">{DISCLAIMER}</p><p class="copyright">© {rng.randint(2019, 2025)} '
            f"{escape(site.name)}. All rights reserved.</p></div></footer>")


# Consent banners --------------------------------------------------------------------------

def _onetrust(rng: random.Random) -> str:
    """OneTrust's banner and preference centre, as its SDK leaves them in the page."""
    groups = []
    for n, (name, description) in enumerate(rng.sample(ONETRUST_CATEGORIES, rng.randint(3, 5)), start=1):
        group = f"C000{n}"
        switch = ('<div class="ot-always-active">Always Active</div>' if n == 1 else
                  f'<div class="ot-tgl"><input type="checkbox" name="ot-group-id-{group}" id="ot-group-id-{group}" '
                  f'aria-checked="false" role="switch" class="category-switch-handler" data-optanongroupid="{group}" '
                  f'aria-labelledby="ot-header-id-{group}"><label class="ot-switch" for="ot-group-id-{group}">'
                  f'<span class="ot-switch-nob"></span><span class="ot-label-txt">{name}</span></label></div>')
        groups.append(
            f'<div class="ot-accordion-layout ot-cat-item ot-vs-config" data-optanongroupid="{group}">'
            '<button class="ot-accordion-btn" aria-expanded="false" ot-accordion="true" '
            f'aria-controls="ot-desc-id-{group}" aria-labelledby="ot-header-id-{group}"></button>'
            '<div class="ot-acc-hdr"><div class="ot-plus-minus">'
            f'<span></span><span></span></div><h4 class="ot-cat-header" id="ot-header-id-{group}">{name}</h4>{switch}'
            '</div><div class="ot-acc-grpcntr ot-acc-txt"><p class="ot-acc-grpdesc ot-category-desc" '
            f'id="ot-desc-id-{group}">{description}</p><div class="ot-hlst-cntr"><button class="ot-link-btn '
            f'category-host-list-handler" data-parent-id="{group}">Cookies Details</button></div></div></div>')
    return (
        '<div id="onetrust-consent-sdk"><div class="onetrust-pc-dark-filter ot-hide ot-fade-in"></div>'
        '<div id="onetrust-banner-sdk" class="otFlat vertical-align-content" tabindex="0" role="region" '
        'aria-label="Cookie banner"><div role="dialog" aria-label="Privacy" aria-describedby="onetrust-policy-text">'
        '<div class="ot-sdk-container"><div class="ot-sdk-row"><div id="onetrust-group-container" '
        'class="ot-sdk-eight ot-sdk-columns"><div id="onetrust-policy"><h2 id="onetrust-policy-title">'
        f'{rng.choice(["We value your privacy", "Your privacy", "Privacy and cookies"])}</h2>'
        f'<div id="onetrust-policy-text">{rng.choice(CONSENT_TEXTS)} <a class="ot-cookie-policy-link" '
        'href="/cookie-policy" rel="noopener" target="_blank">Cookie Policy</a></div></div></div>'
        '<div id="onetrust-button-group-parent" class="ot-sdk-three ot-sdk-columns"><div id="onetrust-button-group">'
        '<button id="onetrust-pc-btn-handler">Cookie Settings</button><button id="onetrust-reject-all-handler">'
        'Reject All</button><button id="onetrust-accept-btn-handler">Accept All Cookies</button></div></div>'
        '</div></div></div></div>'
        '<div id="onetrust-pc-sdk" class="otPcCenter ot-hide ot-fade-in" lang="en" aria-label="Preference center" '
        'role="region"><div role="dialog" aria-modal="true" aria-label="Privacy Preference Center">'
        '<div class="ot-pc-header"><div class="ot-pc-logo" role="img" aria-label="Company Logo"></div>'
        '<button id="close-pc-btn-handler" class="ot-close-icon" aria-label="Close"></button></div>'
        '<div id="ot-pc-content" class="ot-pc-scrollbar"><h2 id="ot-pc-title">Privacy Preference Center</h2>'
        '<div id="ot-pc-desc">When you visit any website, it may store or retrieve information on your browser, '
        'mostly in the form of cookies. This information might be about you, your preferences or your device and is '
        'mostly used to make the site work as you expect it to. Because we respect your right to privacy, you can '
        'choose not to allow some types of cookies. <a href="/cookie-policy" class="privacy-notice-link">More '
        'information</a></div><button id="accept-recommended-btn-handler">Allow All</button>'
        '<section class="ot-sdk-row ot-cat-grp"><h3 id="ot-category-title">Manage Consent Preferences</h3>'
        f'{"".join(groups)}</section></div><div class="ot-pc-footer"><div class="ot-btn-container">'
        '<button class="save-preference-btn-handler onetrust-close-btn-handler">Confirm My Choices</button></div>'
        '<div class="ot-pc-footer-logo"><a href="https://www.onetrust.com/products/cookie-consent/" target="_blank" '
        'rel="noopener noreferrer" aria-label="Powered by OneTrust Opens in a new Tab"></a></div></div>'
        "</div></div></div>"
    )


def _cookiebot(rng: random.Random) -> str:
    """Cookiebot's dialog with its Details tab: every category with the cookies it sets."""
    categories = []
    for name, description in COOKIEBOT_CATEGORIES:
        cookies = "".join(
            '<div class="CybotCookiebotDialogDetailBodyContentCookieInfo"><div '
            f'class="CybotCookiebotDialogDetailBodyContentCookieInfoTitle"><strong>{cookie}</strong> <span>{provider}'
            '</span></div><div class="CybotCookiebotDialogDetailBodyContentCookieInfoDescription">'
            f'{escape(purpose)}</div><div class="CybotCookiebotDialogDetailBodyContentCookieInfoFooter">'
            f"<span>Maximum Storage Duration: {expiry}</span><span>Type: HTTP Cookie</span></div></div>"
            for cookie, provider, purpose, expiry in rng.sample(COOKIES, rng.randint(0, 4)))
        categories.append(
            '<div class="CybotCookiebotDialogDetailBodyContentCookieContainerTypes"><div '
            'class="CybotCookiebotDialogDetailBodyContentCookieContainerHeader"><label '
            'class="CybotCookiebotDialogDetailBodyContentCookieContainerButton" for="CybotCookiebotDialogBodyLevel'
            f'Button{name}">{name}<span class="CybotCookiebotDialogDetailBulkConsentCount">{rng.randint(1, 40)}</span>'
            '</label><div class="CybotCookiebotDialogBodyLevelButtonSliderWrapper"><input type="checkbox" '
            f'id="CybotCookiebotDialogBodyLevelButton{name}" class="CybotCookiebotDialogBodyLevelButton">'
            '<span class="CybotCookiebotDialogBodyLevelButtonSlider"></span></div></div>'
            f'<div class="CybotCookiebotDialogDetailBodyContentCookieTypeIntro">{description}</div>'
            f'<div class="CybotCookiebotDialogDetailBodyContentCookieTypeTableContainer">{cookies}</div></div>')
    return (
        '<div id="CybotCookiebotDialog" name="CybotCookiebotDialog" role="dialog" aria-modal="true" '
        'aria-labelledby="CybotCookiebotDialogBodyContentTitle" tabindex="-1" lang="en" dir="ltr" '
        'class="CybotCookiebotDialogActive CybotEdge" data-template="popup"><div '
        'class="CybotCookiebotDialogContentWrapper"><header class="CybotCookiebotScrollContainer"><div '
        'class="CybotCookiebotDialogHeader"><a '
        'href="https://www.cookiebot.com/en/what-is-behind-powered-by-cookiebot/" '
        f'rel="noopener nofollow" target="_blank" id="CybotCookiebotDialogPoweredbyCybot">{_svg_icon(rng, "check")}</a>'
        '</div></header><div id="CybotCookiebotDialogTabContent"><div id="CybotCookiebotDialogBody">'
        '<div id="CybotCookiebotDialogBodyContent"><h2 id="CybotCookiebotDialogBodyContentTitle">This website uses '
        f'cookies</h2><div id="CybotCookiebotDialogBodyContentText">{rng.choice(CONSENT_TEXTS)}</div></div></div>'
        '<div id="CybotCookiebotDialogTabContentDetails" class="CybotCookiebotDialogTabPanel" role="tabpanel">'
        f'<div id="CybotCookiebotDialogDetailBodyContentCookieContainerTypes">{"".join(categories)}</div></div>'
        '<div id="CybotCookiebotDialogTabContentAbout" class="CybotCookiebotDialogTabPanel" role="tabpanel">'
        "<p>Cookies are small text files that can be used by websites to make a user's experience more efficient. "
        "The law states that we can store cookies on your device if they are strictly necessary for the operation "
        "of this site. For all other types of cookies we need your permission.</p></div></div>"
        '<div id="CybotCookiebotDialogFooter"><div id="CybotCookiebotDialogBodyButtonsWrapper"><button '
        'id="CybotCookiebotDialogBodyButtonDecline" class="CybotCookiebotDialogBodyButton">Deny</button><button '
        'id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowallSelection" class="CybotCookiebotDialogBodyButton">'
        'Allow selection</button><button id="CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll" '
        'class="CybotCookiebotDialogBodyButton">Allow all</button></div></div></div></div>'
    )


def _home_made_banner(rng: random.Random, neutral: bool) -> str:
    """A site's own banner; `neutral` markup (no consent words in id or class) as about a fifth of real ones."""
    name = rng.choice(["notice-bar", "site-alert", "toast"]) if neutral else rng.choice(
        ["cookie-notice", "cookie-bar", "gdpr-banner", "consent-banner", "cookie-hint"])
    return (f'<div class="{name} {name}--{rng.choice(["bottom", "top", "modal"])}" role="dialog" aria-live="polite" '
            f'data-dismiss-key="{_hex(rng)}"><div class="{name}__inner"><p class="{name}__text">'
            f'{rng.choice(CONSENT_TEXTS)} <a href="/privacy-policy">{rng.choice(["Learn more", "Privacy policy"])}</a>'
            f'</p><div class="{name}__actions"><button type="button" class="btn btn--primary js-accept" '
            f'data-consent="all">{rng.choice(["Accept", "Accept all", "OK", "I agree"])}</button><button type="button" '
            f'class="btn btn--secondary js-settings">{rng.choice(["Settings", "Manage preferences", "Reject"])}'
            "</button></div></div></div>")


def _consent(rng: random.Random) -> tuple[str, str]:
    """A consent banner and where it goes: "top" or "bottom" of the body, "article", or none ("", "")."""
    kind = rng.random()
    if kind < 0.5:
        return "", ""
    if kind < 0.65:
        return _onetrust(rng), "bottom"
    if kind < 0.75:
        return _cookiebot(rng), rng.choice(["top", "bottom"])
    if kind < 0.9:
        return _home_made_banner(rng, neutral=False), rng.choice(["top", "bottom"])
    return _home_made_banner(rng, neutral=rng.random() < 0.5), "article"


# Entries --------------------------------------------------------------------------------

def _byline(rng: random.Random, site: _Site) -> str:
    author, reviewer = rng.sample(PEOPLE, 2)
    month, day, year = rng.choice(MONTHS), rng.randint(1, 28), rng.randint(2019, 2025)
    return (f'<div class="entry-meta byline"><span class="author vcard">By <a class="url fn n" '
            f'href="{site.url("/authors/" + _slug(author) + "/")}">{author}</a></span> · <span class="reviewer">'
            f"Medically reviewed by {reviewer}, {rng.choice(CREDENTIALS)}</span> · <time class=\"updated\" "
            f'datetime="{year}-{MONTHS.index(month) + 1:02d}-{day:02d}">Updated {month} {day}, {year}</time></div>')


def _letter_nav(site: _Site) -> str:
    letters = "".join(f'<li><a href="{site.url("/glossary/" + chr(c).lower() + "/")}">{chr(c)}</a></li>'
                      for c in range(ord("A"), ord("Z") + 1))
    return f'<nav class="az-nav" aria-label="Glossary A to Z"><ul class="az-nav__letters">{letters}</ul></nav>'


def _term(rng: random.Random, number: int) -> tuple[str, str]:
    """The substance and the page's term (its h1): A-Z pages (layout 1) are named after the substance."""
    substance = rng.choice(SUBSTANCES)
    if number % 4 == 1:
        return substance, f"{substance} Glossary {number}"
    return substance, f"{substance} {rng.choice(CONCEPTS)} {number}"


def _entry(rng: random.Random, number: int, site: _Site, substance: str, term: str, top: str, end: str) -> _Entry:
    """The entry in one of four layouts; `top` and `end` are chrome inside its container (banner, share, ...)."""
    layout = number % 4
    lead = f"{term} is the part {substance} plays in this process. {_prose(rng, substance, rng.randint(2, 4))}"
    if layout == 0:  # semantic article markup with a byline
        html = (f'<main id="main" class="site-main" role="main"><article id="post-{number}" class="post-{number} '
                'glossary type-glossary status-publish format-standard has-post-thumbnail hentry">'
                f'<header class="entry-header"><h1 class="entry-title" itemprop="headline">{term}</h1>'
                f'{_byline(rng, site)}</header>{top}<div class="entry-content" itemprop="text"><p>{lead}</p>'
                f"{_sections(rng, substance, 2)}</div>{end}</article></main>")
    elif layout == 1:  # A-Z page: a definition list under letter navigation, each term an anchor
        items = "".join(f'<dt id="{_slug(c)}">{substance} {c} {number}</dt>'
                        f"<dd>{_prose(rng, substance, rng.randint(2, 3))}</dd>"
                        for c in rng.sample(CONCEPTS, rng.randint(3, 6)))
        html = (f'<main id="content" class="glossary-index"><h1 class="page-title">{term}</h1>{_letter_nav(site)}'
                f'{top}<dl class="glossary-list">{items}</dl>{end}</main>')
    elif layout == 2:  # no landmarks: nested divs, as older CMS themes write them
        html = (f'<div id="content" class="content-area col-md-8"><div class="post-body clearfix" '
                f'data-post-id="{number}"><h1 class="post-title">{term}</h1>{top}<div class="post-text"><p>{lead}</p>'
                f"{_sections(rng, substance, 2)}</div>{end}</div></div>")
    else:  # a list of facts, then h3 sections
        facts = "".join(f"<li>{_prose(rng, substance, 1)}</li>" for _ in range(rng.randint(2, 5)))
        # trafilatura knows class="content" as a main-text container but not the longer name,
        # and its fallback drops the facts list: real sites use both kinds of name
        container = rng.choice(["content", "content glossary-term"])
        html = (f'<div class="{container}" data-term-id="{number}"><h1>{term}</h1>{top}<p>{lead}</p>'
                f"<ul>{facts}</ul>{_sections(rng, substance, 3)}{end}</div>")
    return _Entry(term=term, lead=lead, html=html)


# Fillers: inline code up to the page's target size -------------------------------------

def _css(rng: random.Random, size: int) -> str:
    rules = [":root{--color-primary:#0b5cab;--color-text:#1a1a1a;--color-surface:#f4f6f8;--space-s:8px;"
             "--space-m:16px;--container:1200px}"]
    length = len(rules[0])
    while length < size:
        selector = (f".{rng.choice(CSS_BLOCKS)}{rng.choice(CSS_ELEMENTS)}{rng.choice(CSS_MODIFIERS)}"
                    f"{rng.choice(CSS_PSEUDO)}")
        properties = rng.sample(CSS_PROPERTIES, rng.randint(2, 7))
        body = ";".join(f"{name}:{rng.choice(values)}" for name, values in properties)
        rule = f"{selector}{{{body}}}"
        if rng.random() < 0.08:
            rule = f"@media (min-width:{rng.choice([480, 768, 1024, 1280])}px){{{rule}}}"
        rules.append(rule)
        length += len(rule)
    return "".join(rules)


def _js(rng: random.Random, size: int) -> str:
    chunk = rng.randint(100, 999)
    parts = [f"(self.webpackChunk_app=self.webpackChunk_app||[]).push([[{chunk}],{{{chunk}:function(){{"]
    length = len(parts[0])
    while length < size:
        snippet = rng.choice(JS_SNIPPETS).format(
            a=rng.choice(JS_NAMES) + _hex(rng, 2), b=rng.choice(JS_NAMES), c="_" + rng.choice(JS_NAMES),
            k=rng.choice(CSS_BLOCKS), s=rng.choice(JS_EVENTS), n=rng.randint(1, 9999))
        parts.append(snippet)
        length += len(snippet)
    parts.append("}}]);")
    return "".join(parts)


def _state_json(rng: random.Random, site: _Site, entry: _Entry, size: int) -> str:
    """Framework page state (as Next.js' __NEXT_DATA__): the entry again, plus cards and menu data."""
    cards: list[dict[str, object]] = []
    length = 0
    while length < size:
        card = {"id": rng.randint(1000, 999999), "slug": _hex(rng), "title": _teaser_title(rng),
                "excerpt": rng.choice(TEASER_EXCERPTS).format(s=rng.choice(SUBSTANCES).lower()),
                "category": {"name": rng.choice(TOPICS), "id": rng.randint(1, 400)},
                "image": {"src": site.url(f"/images/{_hex(rng)}.jpg"), "width": 1200, "height": 675, "alt": ""},
                "tags": rng.sample(TOPICS, 3), "publishedAt": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"}
        cards.append(card)
        length += len(json.dumps(card))
    state = {"props": {"pageProps": {"term": {"name": entry.term, "lead": entry.lead}, "cards": cards}},
             "page": "/glossary/[slug]", "buildId": _hex(rng, 20), "isFallback": False}
    return json.dumps(state, ensure_ascii=False)


def _sprite(rng: random.Random, size: int) -> str:
    symbols = []
    length = 0
    while length < size:
        symbol = (f'<symbol id="icon-{rng.choice(ICONS)}-{_hex(rng, 3)}" viewBox="0 0 24 24">'
                  f'<path d="{_svg_path(rng, rng.randint(10, 120))}"/></symbol>')
        symbols.append(symbol)
        length += len(symbol)
    return f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none" aria-hidden="true">{"".join(symbols)}</svg>'


def _fillers(rng: random.Random, site: _Site, entry: _Entry, budget: int) -> dict[str, str]:
    """Split the bytes the page still needs between CSS, JS, an SVG sprite and page-state JSON.

    The split varies per page as on real ones, where scripts are the biggest share at the
    median and some pages carry very large inline styles or icon sprites instead.
    """
    weights = {"head_css": rng.uniform(0.05, 0.6), "head_js": rng.uniform(0.02, 0.15), "bundle_js": rng.uniform(0.3, 1)}
    if rng.random() < 0.35:
        weights["sprite"] = rng.uniform(0.05, 0.4)
    if rng.random() < 0.35:
        weights["state_json"] = rng.uniform(0.1, 0.6)
    total = sum(weights.values())
    sizes = {name: round(budget * weight / total) for name, weight in weights.items()}
    fillers = {
        "head_css": f'<style id="critical-css">{_css(rng, sizes["head_css"])}</style>',
        "head_js": f"<script>{_js(rng, sizes['head_js'])}</script>",
        "bundle_js": f"<script>{_js(rng, sizes['bundle_js'])}</script>",
    }
    if "sprite" in sizes:
        fillers["sprite"] = _sprite(rng, sizes["sprite"])
    if "state_json" in sizes:
        fillers["state_json"] = (f'<script id="__NEXT_DATA__" type="application/json">'
                                 f'{_state_json(rng, site, entry, sizes["state_json"])}</script>')
    return fillers


def _script_tags(rng: random.Random, count: int) -> str:
    return "".join(f'<script src="{rng.choice(SCRIPT_SOURCES).format(h=_hex(rng))}" id="script-{_hex(rng, 4)}"'
                   f'{rng.choice([" async", " defer", ""])}></script>' for _ in range(count))


def make_realistic_page(number: int) -> str:
    rng = random.Random(number)
    target = _target_bytes(rng)
    # Bigger real pages have more chrome elements, but less than proportionally more; the
    # log-normal factor is the spread between sites of the same page size.
    scale = (target / MEDIAN_PAGE_BYTES) ** ELEMENTS_SIZE_EXPONENT * rng.lognormvariate(0, 0.25)
    site = _Site(*rng.choice(SITES), svg_icons=rng.random() < 0.45)
    substance, term = _term(rng, number)
    path = f"/glossary/{_slug(term)}/"
    url = site.url(path)

    banner, banner_place = _consent(rng)
    share = _share_buttons(rng, site, url, term)
    share_place = rng.choice(["top", "end", "page"])
    newsletter = _newsletter(rng, site)
    newsletter_place = rng.choice(["article", "sidebar", "page", "page"])
    top = (banner if banner_place == "article" else "") + (share if share_place == "top" else "")
    end = (share if share_place == "end" else "") + (newsletter if newsletter_place == "article" else "")
    entry = _entry(rng, number, site, substance, term, top, end)

    crumbs = [("Home", "/"), ("Glossary", "/glossary/"), (f"{substance} terms", f"/glossary/{_slug(substance)}/"),
              (term, path)]
    head = _head(rng, site, entry, url, _json_ld(rng, site, entry, url, crumbs),
                 _script_tags(rng, max(3, round(14 * scale))))
    sidebar = (f'<aside id="secondary" class="widget-area sidebar" role="complementary">'
               f'{_related_terms(rng, site, max(5, round(20 * scale)))}'
               f'{newsletter if newsletter_place == "sidebar" else ""}</aside>')
    parts = [
        f'<!DOCTYPE html><html lang="en-US" class="no-js">{head}<body class="glossary-template-default single '
        f'single-glossary postid-{number} wp-custom-logo wp-embed-responsive theme-{_hex(rng, 6)} '
        f'{rng.choice(["has-sidebar", "layout-wide", "header-sticky"])}">',
        f'<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-{_hex(rng, 7).upper()}" height="0" '
        'width="0" style="display:none;visibility:hidden"></iframe></noscript>',
        _slot("sprite"),
        '<a class="skip-link screen-reader-text" href="#content">Skip to content</a>',
        banner if banner_place == "top" else "",
        _header(rng, site, max(12, round(40 * scale))),
        _breadcrumbs(site, crumbs, in_nav=rng.random() < 0.6),
        share if share_place == "page" else "",
        f'<div id="page-content" class="site-content container layout--sidebar-right">{entry.html}{sidebar}</div>',
        _teasers(rng, site, max(2, round(rng.randint(3, 8) * scale))),
        newsletter if newsletter_place == "page" else "",
        _footer(rng, site, max(10, round(45 * scale))),
        banner if banner_place == "bottom" else "",
        _script_tags(rng, max(2, round(8 * scale))),
        _slot("state_json"),
        _slot("bundle_js"),
        "</body></html>",
    ]
    page = "".join(parts)
    fixed = len(page) - sum(len(_slot(name)) for name in FILLER_SLOTS)
    # Every real page has some inline script, however much chrome it has.
    budget = max(target - fixed, rng.randint(1_000, 4_000))
    fillers = _fillers(rng, site, entry, budget)
    for name in FILLER_SLOTS:
        page = page.replace(_slot(name), fillers.get(name, ""))
    return page


PAGE_MAKERS: dict[str, Callable[[int], str]] = {"realistic": make_realistic_page, "small": make_small_page}


def build_corpus(folder: Path, pages: int, page_size: str = "realistic") -> Path:
    make_page = PAGE_MAKERS[page_size]
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(pages):
        (folder / f"page-{number:06d}.html").write_text(make_page(number), encoding="utf-8")
    return folder


def _percentile(values: list[int], share: float) -> int:
    """Nearest-rank percentile of `values` (sorted)."""
    return values[min(len(values) - 1, max(0, math.ceil(share * len(values)) - 1))]


def measure(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (bytes) of the command's whole process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    root = psutil.Process(process.pid)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    if code:
        raise SystemExit(f"{' '.join(command)} failed with exit code {code}")
    return time.perf_counter() - started, peak


def trafilatura_alone(folder: str) -> None:
    """Run in a subprocess: trafilatura.extract on every page, one process."""
    import trafilatura

    for path in sorted(Path(folder).iterdir()):
        trafilatura.extract(path.read_text(encoding="utf-8"))


def _pipeline(corpus: Path, out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "pipeline", "run", str(corpus), "-o", str(out), "--workers", str(workers)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--memory-pages", type=int, default=20000, help="second corpus size for memory (0: skip)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--page-size", choices=sorted(PAGE_MAKERS), default="realistic",
                        help="realistic: sized like real pages (default); small: the first version's 7 KB pages")
    parser.add_argument("--trafilatura-only", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.trafilatura_only:
        trafilatura_alone(args.trafilatura_only)
        return

    with tempfile.TemporaryDirectory(prefix="bench-batch-") as temp:
        work = Path(temp)
        corpus = build_corpus(work / "corpus", args.pages, args.page_size)
        sizes = sorted(p.stat().st_size for p in corpus.iterdir())
        p10, median, p90 = (_percentile(sizes, share) / 1024 for share in (0.1, 0.5, 0.9))
        print(f"corpus: {args.pages} {args.page_size} pages, {sum(sizes) / args.pages / 1024:.1f} KB per page on "
              f"average, p10 {p10:.0f} KB, median {median:.0f} KB, p90 {p90:.0f} KB")
        # Other processes on the machine take cores from the workers: the load says how many.
        print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

        traf_s, traf_mem = measure([sys.executable, __file__, "--trafilatura-only", str(corpus)])
        one_s, one_mem = measure(_pipeline(corpus, work / "out-1", 1))
        all_s, all_mem = measure(_pipeline(corpus, work / "out-n", args.workers))
        report = json.loads((work / "out-n" / "run.json").read_text())["counts"]

        rows = [("trafilatura.extract alone, 1 process", traf_s, traf_mem),
                ("full pipeline, 1 worker", one_s, one_mem),
                (f"full pipeline, {args.workers} workers", all_s, all_mem)]
        print(f"records {report['records']}, rejects {report['rejects']}")
        print(f"{'measurement':40} {'seconds':>8} {'pages/s':>8} {'peak MB':>8}")
        for name, seconds, memory in rows:
            print(f"{name:40} {seconds:8.1f} {args.pages / seconds:8.1f} {memory / 2**20:8.0f}")
        print(f"pipeline 1 worker / trafilatura, time per page: {one_s / traf_s:.2f}x (target <= 1.5)")
        print(f"pipeline {args.workers} workers vs 1 worker, speed-up: {one_s / all_s:.2f}x (target >= 1.7)")
        print(f"load average after: {os.getloadavg()[0]:.2f}")

        if args.memory_pages:
            big = build_corpus(work / "corpus-big", args.memory_pages, args.page_size)
            big_s, big_mem = measure(_pipeline(big, work / "out-big", args.workers))
            print(f"{f'full pipeline, {args.workers} workers, {args.memory_pages} pages':40} {big_s:8.1f} "
                  f"{args.memory_pages / big_s:8.1f} {big_mem / 2**20:8.0f}")
            print(f"peak memory {args.memory_pages} pages / {args.pages} pages: {big_mem / all_mem:.2f}x "
                  "(target <= 1.2)")


if __name__ == "__main__":
    main()
