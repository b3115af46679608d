"""A deterministic, believable demo product, written through the real ingestion path.

Visitors arrive over the range (more towards the end: the product grows; fewer at
weekends), browse anonymously in sessions at local daytime, some sign up (identify
merges their anonymous history), and signed-up people go Added To Cart → Checkout
Started → Order Completed with realistic drop-off and delays from minutes to days.

Determinism: one `random.Random(seed)` drives everything and sessions are replayed in a
fixed order (a heap keyed by time and visitor number), so the same (seed, end, events,
days) gives the same rows. Message timestamps are epoch milliseconds (which the ingestion
path accepts like ISO strings): formatting and re-parsing two dates per event would cost
a fifth of the generation time and nobody sees the raw messages.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine

from app.demo import catalog as cat
from app.demo.places import COUNTRIES, Country
from app.ingest.enrich import Enricher, shared_enricher
from app.ingest.pipeline import store_in_order
from app.ingest.workers import Batch, PrepareConfig, ProcessStream
from app.ingest.writer import EventWriter, IngestResult, prepare_messages

T = TypeVar("T")

SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
#: Messages per EventWriter call: one transaction each, short enough for readers and writers.
BATCH = 5000
#: ... and for a demo of BULK_FROM events or more, which nothing else writes to meanwhile: a
#: page a transaction changes (index leaves, rollups, users) is written once per transaction, so
#: 20,000 cost the storing process ~3 µs less per event than 5,000 (docs/benchmarks/ingest.md).
BULK_BATCH = 20_000
BULK_FROM = 200_000


def batch_size(events: int) -> int:
    """Messages per transaction for a demo of `events`: small ones (the app's first run) keep
    BATCH, so their progress moves smoothly."""
    return BULK_BATCH if events >= BULK_FROM else BATCH


#: Relative activity per local hour of the day.
HOUR_WEIGHTS = [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1.0, 1.5, 1.8, 2.0, 2.0,
                2.0, 2.0, 1.9, 1.8, 1.8, 2.0, 2.3, 2.6, 2.6, 2.2, 1.5, 0.8]


class Picker(Generic[T]):
    """Weighted choice with precomputed cumulative weights (random.choices recomputes them)."""

    def __init__(self, pairs: Sequence[tuple[T, float]]) -> None:
        self.values = [value for value, _ in pairs]
        self.cum = list(itertools.accumulate(weight for _, weight in pairs))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cum, rng.random() * self.total)]


_hour = Picker(list(enumerate(HOUR_WEIGHTS)))
_country = Picker([(c, c.weight) for c in COUNTRIES])
_agent = Picker(cat.USER_AGENTS)
_first_ref = Picker(cat.FIRST_REFERRERS)
_page = Picker(cat.PAGES)
_product = Picker(list(zip(cat.PRODUCTS, cat.PRODUCT_WEIGHTS, strict=True)))
_gender = Picker(cat.GENDERS)
_email_domain = Picker(cat.EMAIL_DOMAINS)
_plan = Picker(cat.PLANS)
_signup_method = Picker(cat.SIGNUP_METHODS)
_payment = Picker(cat.PAYMENT_METHODS)
_screen = Picker(cat.APP_SCREENS)

#: Browsing events (besides the landing page) and their relative frequency, anonymous / signed in.
_BROWSE_ANON = Picker([
    ("Page Viewed", 24), ("Product Viewed", 26), ("Product List Viewed", 12), ("Products Searched", 7),
    ("Product Clicked", 9), ("Filter Applied", 4.5), ("Video Played", 2.5), ("Wishlist Product Added", 1.5),
    ("Product Shared", 0.8), ("Newsletter Subscribed", 0.7), ("Experiment Viewed", 1.6),
])
_BROWSE_USER = Picker([
    ("Page Viewed", 22), ("Product Viewed", 24), ("Product List Viewed", 10), ("Products Searched", 6),
    ("Product Clicked", 8), ("Filter Applied", 4), ("Video Played", 2), ("Wishlist Product Added", 2.5),
    ("Product Shared", 0.8), ("Experiment Viewed", 1.2), ("Notification Clicked", 2.2),
    ("Product Reviewed", 0.9), ("Profile Updated", 0.8), ("Invite Sent", 0.6), ("Support Ticket Opened", 0.5),
    ("Plan Upgraded", 0.35), ("Plan Downgraded", 0.12), ("Subscription Cancelled", 0.15),
    ("Order Refunded", 0.1),
])


_DAY_TEXT: dict[int, str] = {}


def iso(ms: int) -> str:
    """ISO-8601 UTC with milliseconds, as analytics.js sends it (fast: dates are cached)."""
    day, rem = divmod(ms, DAY)
    text = _DAY_TEXT.get(day)
    if text is None:
        text = _DAY_TEXT[day] = (datetime(1970, 1, 1) + timedelta(days=day)).strftime("%Y-%m-%d")
    hour, rem = divmod(rem, HOUR)
    minute, rem = divmod(rem, MINUTE)
    sec, milli = divmod(rem, SECOND)
    return f"{text}T{hour:02d}:{minute:02d}:{sec:02d}.{milli:03d}Z"


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def local_daytime(rng: random.Random, day_start: int, country: Country) -> int:
    """A moment on that (UTC) day at a plausible local hour for the country."""
    hour = _hour(rng)
    return day_start + hour * HOUR + rng.randrange(HOUR) - int(country.utc_offset * HOUR)


class Visitor:
    """One browser (and, after sign-up, one person): who they are and where they are in the journey."""

    __slots__ = ("anon", "app_user", "cart", "channel", "context", "country", "group_id", "idx", "ip",
                 "mobile", "next_time", "orders", "pending", "plan", "session_no", "sessions_total",
                 "signup_session", "traits", "ua", "user_id")

    def __init__(self, idx: int, rng: random.Random, country: Country) -> None:
        self.idx = idx
        self.country = country
        self.anon = _uuid(rng)
        block = country.blocks[rng.randrange(len(country.blocks))]
        self.ip = f"{block}.{rng.choice((7, 12, 23, 34, 41, 56, 68, 77, 89, 101, 117, 134, 160, 188, 203, 231))}"
        self.ua, self.mobile = _agent(rng)
        self.channel: tuple[str, str] = _first_ref(rng)
        signs_up = rng.random() < 0.30
        self.signup_session = (1 if rng.random() < 0.5 else rng.randint(2, 4)) if signs_up else 0
        if signs_up:
            self.sessions_total = max(self.signup_session, 1 + int(rng.expovariate(1 / 8.0)))
        else:
            self.sessions_total = 1 + int(rng.expovariate(1 / 1.3))
        self.app_user = signs_up and rng.random() < 0.15
        self.user_id: str | None = None
        self.traits: dict[str, Any] = {}
        self.plan = "free"
        self.group_id: str | None = None
        self.session_no = 0
        self.next_time: int | None = None
        self.pending: tuple[int, str] | None = None
        self.orders = 0
        self.cart: list[tuple[str, str, str, float]] = []
        self.context: dict[str, Any] = {
            "ip": self.ip,
            "userAgent": self.ua,
            "locale": country.locale,
            "timezone": country.timezone,
            "library": {"name": "analytics.js", "version": "next-1.70.0"},
        }


class _Session:
    """Builds the messages of one visit, advancing a clock by plausible think times."""

    def __init__(self, model: DemoModel, v: Visitor, t: int, rng: random.Random) -> None:
        self.model = model
        self.v = v
        self.t = t
        self.rng = rng
        self.out: list[tuple[int, dict[str, Any]]] = []
        self.referrer = ""
        self.utm = ""
        self.page_ctx: dict[str, Any] = {}
        #: The context of the current page, shared by its messages (nothing mutates it).
        self.ctx: dict[str, Any] | None = None

    # -- message builders -----------------------------------------------------------------
    def _base(self, kind: str) -> dict[str, Any]:
        v = self.v
        self.model.counter += 1
        msg: dict[str, Any] = {
            "type": kind,
            "messageId": f"{self.model.id_prefix}-{self.model.seed}-{v.idx}-{v.session_no}-{len(self.out)}",
            "anonymousId": v.anon,
            "timestamp": self.t,
            "receivedAt": self.t + 80 + self.rng.randrange(700),
        }
        if v.user_id is not None:
            msg["userId"] = v.user_id
        return msg

    def _web_context(self) -> dict[str, Any]:
        ctx = self.ctx
        if ctx is None:
            ctx = self.ctx = dict(self.v.context)
            ctx["page"] = self.page_ctx
            if self.utm:
                email = self.utm == "newsletter"
                ctx["campaign"] = {"source": self.utm, "medium": "email" if email else "social",
                                   "name": "weekly_digest" if email else "spring_launch"}
        return ctx

    def wait(self, low: int, high: int) -> None:
        self.t += self.rng.randint(low, high) * SECOND

    def page(self, path: str, name: str, category: str, title: str, search: str = "") -> None:
        self.page_ctx = {"path": path, "referrer": self.referrer, "search": search, "title": title,
                         "url": cat.SITE + path + search}
        self.ctx = None
        msg = self._base("page")
        msg["name"] = name
        msg["category"] = category
        msg["properties"] = {}
        msg["context"] = self._web_context()
        self.out.append((self.t, msg))

    def track(self, event: str, props: dict[str, Any]) -> None:
        msg = self._base("track")
        msg["event"] = event
        if self.v.user_id is not None:
            props["plan"] = self.v.plan
        props["logged_in"] = self.v.user_id is not None
        msg["properties"] = props
        msg["context"] = self._web_context()
        self.out.append((self.t, msg))

    def identify(self, traits: dict[str, Any]) -> None:
        msg = self._base("identify")
        msg["traits"] = traits
        msg["context"] = self._web_context()
        self.out.append((self.t, msg))

    def group(self, group_id: str, traits: dict[str, Any]) -> None:
        msg = self._base("group")
        msg["groupId"] = group_id
        msg["traits"] = traits
        msg["context"] = self._web_context()
        self.out.append((self.t, msg))

    def screen(self, name: str, props: dict[str, Any]) -> None:
        v = self.v
        msg = self._base("screen")
        msg.pop("anonymousId")
        msg["name"] = name
        msg["properties"] = props
        ios = "iPhone" in v.ua or "iPad" in v.ua or not v.mobile
        msg["context"] = {
            "ip": v.ip, "locale": v.country.locale, "timezone": v.country.timezone,
            "library": {"name": "analytics-ios" if ios else "analytics-android", "version": "4.1.8"},
            "app": {"name": "Brewline", "version": "3.12.0", "build": "3120"},
            "os": {"name": "iOS" if ios else "Android", "version": "17.4" if ios else "14"},
            "device": {"type": "ios" if ios else "android", "model": "iPhone15,3" if ios else "Pixel 8"},
        }
        self.out.append((self.t, msg))

    # -- behaviour ------------------------------------------------------------------------
    def product_props(self, product: tuple[str, str, str, float]) -> dict[str, Any]:
        pid, name, category, price = product
        return {"product_id": pid, "name": name, "category": category, "price": price,
                "currency": "USD", "brand": "Brewline", "in_stock": self.rng.random() > 0.07,
                "on_sale": self.rng.random() < 0.12}

    def landing(self) -> None:
        ref = self.referrer
        rng = self.rng
        if "google" in ref or "bing" in ref or "duckduckgo" in ref or "yahoo" in ref or "chatgpt" in ref:
            if rng.random() < 0.55:
                product = _product(rng)
                self.page("/products/" + product[0], product[1], "Product", f"{product[1]} – Brewline")
                return
        elif any(site in ref for site in ("guardian", "nytimes", "bbc", "verge", "techcrunch", "reddit",
                                          "ycombinator")):
            path, name, category, title = cat.PAGES[3 + rng.randrange(3)][0]
            self.page(path, name, category, title)
            return
        path, name, category, title = _page(rng) if rng.random() < 0.4 else cat.PAGES[0][0]
        self.page(path, name, category, title)

    def browse(self) -> None:
        rng = self.rng
        v = self.v
        self.wait(6, 110)
        event = (_BROWSE_USER if v.user_id else _BROWSE_ANON)(rng)
        if event == "Page Viewed":
            path, name, category, title = _page(rng)
            self.page(path, name, category, title)
        elif event in ("Product Viewed", "Product Clicked", "Wishlist Product Added", "Product Shared"):
            product = _product(rng)
            props = self.product_props(product)
            if event == "Product Viewed":
                self.page("/products/" + product[0], product[1], "Product", f"{product[1]} – Brewline")
                self.wait(1, 3)
            if event == "Product Shared":
                props["share_via"] = rng.choice(("email", "whatsapp", "twitter", "copy_link"))
            self.track(event, props)
        elif event == "Product List Viewed":
            category = rng.choice(cat.CATEGORIES)
            self.track(event, {"list_id": category.lower(), "category": category})
        elif event == "Products Searched":
            query = rng.choice(cat.SEARCHES)
            self.track(event, {"query": query, "results": rng.randint(0, 24)})
        elif event == "Filter Applied":
            self.track(event, {"filter": rng.choice(("price", "category", "rating", "in_stock")),
                               "category": rng.choice(cat.CATEGORIES)})
        elif event == "Video Played":
            title, length = rng.choice(cat.VIDEOS)
            self.track(event, {"title": title, "length_seconds": length, "autoplay": rng.random() < 0.2,
                               "watched_percent": rng.randint(5, 100)})
        elif event == "Experiment Viewed":
            name, variants = rng.choice(cat.EXPERIMENTS)
            self.track(event, {"experiment_name": name, "variant_name": variants[v.idx % 2]})
        elif event == "Newsletter Subscribed":
            self.track(event, {"source": rng.choice(("footer", "popup", "blog"))})
        elif event == "Notification Clicked":
            self.track(event, {"channel": rng.choice(("email", "push")),
                               "campaign": rng.choice(("back_in_stock", "weekly_digest", "price_drop"))})
        elif event == "Product Reviewed":
            product = _product(rng)
            self.track(event, {"product_id": product[0], "name": product[1],
                               "rating": rng.choices((1, 2, 3, 4, 5), (3, 4, 10, 30, 53))[0],
                               "has_photo": rng.random() < 0.25})
        elif event == "Profile Updated":
            self.track(event, {"field": rng.choice(("address", "avatar", "password", "name"))})
        elif event == "Invite Sent":
            self.track(event, {"invitees": rng.randint(1, 4), "via": rng.choice(("email", "link"))})
        elif event == "Support Ticket Opened":
            self.track(event, {"topic": rng.choice(("delivery", "returns", "billing", "product"))})
        elif event in ("Plan Upgraded", "Plan Downgraded"):
            order = ["free", "plus", "pro"]
            now = order.index(v.plan)
            new = now + (1 if event == "Plan Upgraded" else -1)
            if 0 <= new < len(order):
                prices = dict(p for p, _ in cat.PLANS)
                self.track(event, {"from_plan": v.plan, "to_plan": order[new], "mrr": prices[order[new]]})
                v.plan = order[new]
                self.wait(1, 4)
                self.identify({"plan": v.plan})
        elif event == "Subscription Cancelled":
            if v.plan != "free":
                self.track(event, {"reason": rng.choice(("too_expensive", "not_using", "switching", "other"))})
                v.plan = "free"
                self.identify({"plan": "free"})
        elif event == "Order Refunded" and v.orders:
            self.track(event, {"order_id": f"ORD-{self.model.seed}-{v.idx}-{v.orders}",
                               "amount": round(rng.uniform(7, 120), 2), "currency": "USD"})

    def sign_up(self) -> None:
        rng = self.rng
        v = self.v
        gender = _gender(rng)
        first = rng.choice(cat.FIRST_NAMES_BY_GENDER[gender])
        last = rng.choice(cat.LAST_NAMES)
        company = rng.choice(cat.COMPANIES) if rng.random() < 0.65 else None
        handle = (first + "." + last).lower().replace(" ", "").replace("'", "")
        handle = handle.encode("ascii", "ignore").decode() + str(rng.randint(1, 999))
        if company and rng.random() < 0.6:
            email = f"{handle}@{company.lower().replace(' ', '').replace('.', '').replace('&', '')}.example"
        else:
            email = f"{handle}@{_email_domain(rng)}"
        v.plan, _price = _plan(rng)
        v.user_id = f"u{self.model.seed}-{v.idx:07d}"
        self.page("/signup", "Sign up", "Account", "Create your account – Brewline")
        self.wait(20, 150)
        self.track("Signed Up", {"method": _signup_method(rng), "referrer_source": v.channel[1] or "none"})
        traits: dict[str, Any] = {
            "name": f"{first} {last}", "email": email, "gender": gender, "age": rng.randint(18, 72),
            "plan": v.plan, "created_at": iso(self.t), "country": v.country.code,
            "newsletter": rng.random() < 0.4,
        }
        if company:
            traits["company"] = company
        v.traits = traits
        self.wait(0, 1)
        self.identify(traits)
        if company:
            v.group_id = company.lower().replace(" ", "-").replace("'", "").replace(".", "").replace("&", "and")
            self.group(v.group_id, {"name": company,
                                    "industry": cat.INDUSTRIES[len(company) % len(cat.INDUSTRIES)],
                                    "employees": 10 + (len(company) * 37) % 900})
        # The journey: how soon (if ever) the new member puts something in the cart.
        if rng.random() < 0.62:
            roll = rng.random()
            if roll < 0.55:
                self.wait(30, 900)
                self.chain("cart")
            elif roll < 0.85:
                v.pending = (self.t + rng.randint(HOUR, 3 * DAY), "cart")
            else:
                v.pending = (self.t + rng.randint(3 * DAY, 14 * DAY), "cart")

    def chain(self, step: str) -> None:
        """Run the purchase journey from `step`, deciding drop-off and delays as it goes."""
        rng = self.rng
        v = self.v
        if step == "cart":
            v.cart = [_product(rng) for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 3))]
            for product in v.cart:
                props = self.product_props(product)
                props["quantity"] = 1 if rng.random() < 0.85 else 2
                self.track("Added To Cart", props)
                self.wait(10, 120)
            if rng.random() < 0.12 and len(v.cart) > 1:
                removed = v.cart.pop()
                self.track("Removed From Cart", {"product_id": removed[0], "name": removed[1]})
                self.wait(5, 60)
            self.page("/cart", "Cart", "Shop", "Your cart – Brewline")
            self.track("Cart Viewed", {"num_items": len(v.cart), "value": round(sum(p[3] for p in v.cart), 2)})
            if rng.random() >= 0.55:
                return
            if rng.random() < 0.7:
                self.wait(20, 600)
            else:
                v.pending = (self.t + rng.randint(2 * HOUR, 2 * DAY), "checkout")
                return
            step = "checkout"
        if step == "checkout":
            if not v.cart:
                v.cart = [_product(rng)]
            value = round(sum(p[3] for p in v.cart), 2)
            self.page("/checkout", "Checkout", "Shop", "Checkout – Brewline")
            self.track("Checkout Started", {"value": value, "currency": "USD", "num_items": len(v.cart),
                                            "first_checkout": v.orders == 0})
            if rng.random() < 0.18:
                coupon, _ = rng.choice(cat.COUPONS)
                self.wait(10, 60)
                if rng.random() < 0.85:
                    self.track("Coupon Applied", {"coupon": coupon})
                else:
                    self.track("Coupon Denied", {"coupon": coupon, "reason": "expired"})
            self.wait(30, 240)
            self.track("Payment Info Entered", {"payment_method": _payment(rng)})
            if rng.random() >= 0.72:
                return
            if rng.random() < 0.85:
                self.wait(20, 300)
            else:
                v.pending = (self.t + rng.randint(HOUR, 30 * HOUR), "order")
                return
            step = "order"
        if step == "order":
            self.complete_order()

    def complete_order(self) -> None:
        rng = self.rng
        v = self.v
        if not v.cart:
            v.cart = [_product(rng)]
        v.orders += 1
        subtotal = round(sum(p[3] for p in v.cart), 2)
        coupon = ""
        discount = 0.0
        if rng.random() < 0.16:
            coupon, rate = rng.choice(cat.COUPONS)
            discount = round(subtotal * rate, 2)
        shipping = 0.0 if subtotal >= 50 or coupon == "FREESHIP" else 5.9
        tax = round((subtotal - discount) * v.country.tax_rate, 2)
        revenue = round(subtotal - discount, 2)
        self.track("Order Completed", {
            "order_id": f"ORD-{self.model.seed}-{v.idx}-{v.orders}",
            "revenue": revenue, "total": round(revenue + shipping + tax, 2), "shipping": shipping, "tax": tax,
            "discount": discount, "coupon": coupon or None, "currency": "USD",
            "payment_method": _payment(rng), "first_order": v.orders == 1, "is_gift": rng.random() < 0.08,
            "num_items": len(v.cart),
            "products": [{"product_id": p[0], "name": p[1], "category": p[2], "price": p[3]} for p in v.cart],
        })
        v.cart = []

    def app_session(self) -> None:
        rng = self.rng
        for _ in range(1 + int(rng.expovariate(1 / 3.0))):
            name = _screen(rng)
            self.screen(name, {"name": name})
            self.wait(5, 90)
        if rng.random() < 0.2:
            self.wait(2, 10)
            msg = self._base("track")
            msg.pop("anonymousId")
            msg["event"] = "Brew Timer Started"
            msg["properties"] = {"method": rng.choice(("espresso", "pour_over", "french_press")),
                                 "seconds": rng.choice((30, 180, 240)), "plan": self.v.plan}
            msg["context"] = {"ip": self.v.ip, "library": {"name": "analytics-ios", "version": "4.1.8"}}
            self.out.append((self.t, msg))


@dataclass
class DemoSummary(IngestResult):
    """An IngestResult plus what the demo consisted of."""

    visitors: int = 0
    identified: int = 0
    start: datetime | None = None
    end: datetime | None = None


class DemoModel:
    """The behaviour model: who arrives when, and what each visit consists of."""

    def __init__(self, seed: int, start_ms: int, end_ms: int, id_prefix: str = "demo") -> None:
        self.seed = seed
        self.id_prefix = id_prefix
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.counter = 0
        self.rng = random.Random(seed)
        #: Country of each visitor that has arrived (drawn with the arrival time).
        self.countries: dict[int, Country] = {}

    def arrivals(self, count: int, first_idx: int = 0) -> list[tuple[int, int]]:
        """(arrival ms, visitor index), growing traffic with quieter weekends, in time order."""
        # Every UTC day the range touches is drawn, the last (today) too, and a moment outside
        # the range is drawn again: arrivals cover the range up to its end, at local daytime.
        master = self.rng
        first_day = self.start_ms // DAY
        day_count = (self.end_ms - 1) // DAY - first_day + 1
        span = max(1, self.end_ms - self.start_ms)
        out: list[tuple[int, int]] = []
        for idx in range(first_idx, first_idx + count):
            while True:
                day = first_day + int(master.random() * day_count)
                country = _country(master)
                t = local_daytime(master, day * DAY, country)
                if not self.start_ms <= t <= self.end_ms:
                    continue
                frac = (t - self.start_ms) / span
                weekend = (day + 3) % 7 >= 5  # 1970-01-01 was a Thursday
                if master.random() * 2.0 < (1.0 + frac) * (0.72 if weekend else 1.0):
                    break
            self.countries[idx] = country
            out.append((t, idx))
        out.sort()
        return out

    def new_visitor(self, idx: int) -> Visitor:
        country = self.countries.pop(idx, None) or _country(self.rng)
        return Visitor(idx, self.rng, country)

    def session(self, v: Visitor, t: int) -> list[tuple[int, dict[str, Any]]]:
        """One visit starting at t; sets v.next_time (None when the visitor never returns)."""
        v.session_no += 1
        rng = self.rng
        s = _Session(self, v, t, rng)
        if v.session_no == 1:
            s.referrer, s.utm = v.channel
        else:
            roll = rng.random()
            if roll < 0.55:
                s.referrer = ""
            elif roll < 0.8:
                s.referrer = "https://www.google.com/"
            else:
                s.referrer, s.utm = _first_ref(rng)
        if v.user_id is not None and v.app_user and v.pending is None and rng.random() < 0.35:
            s.app_session()
        else:
            self._web_visit(s, v, t, rng)
        last = s.t
        if v.pending is not None:
            v.next_time = max(v.pending[0], last + MINUTE)
        elif v.session_no >= v.sessions_total:
            v.next_time = None
        else:
            gap_days = rng.expovariate(1 / (4.0 if v.user_id else 6.0))
            day = (last + int(gap_days * DAY)) // DAY
            v.next_time = max(last + 10 * MINUTE, local_daytime(rng, day * DAY, v.country))
        return s.out

    def _web_visit(self, s: _Session, v: Visitor, t: int, rng: random.Random) -> None:
        s.landing()
        if v.session_no == 1 and rng.random() < 0.6:
            s.wait(2, 15)
            s.track("Consent Given", {"analytics": True, "marketing": rng.random() < 0.55})
        if v.user_id is not None and rng.random() < 0.45:
            s.wait(3, 30)
            s.track("Signed In", {"method": rng.choice(("password", "google", "magic_link"))})
        if v.pending is not None and v.pending[0] <= t + 30 * MINUTE:
            step = v.pending[1]
            v.pending = None
            s.wait(20, 200)
            s.chain(step)
        count = 1 + int(rng.expovariate(1 / 5.0))
        signup_at = -1
        if v.user_id is None and v.signup_session and v.session_no >= v.signup_session:
            signup_at = rng.randrange(count)
        for i in range(count):
            s.browse()
            if i == signup_at:
                s.sign_up()
        if v.pending is None:
            if v.user_id is not None and v.orders and rng.random() < 0.16:
                s.wait(20, 300)
                s.chain("cart")
            elif v.user_id is None and rng.random() < 0.08:
                s.wait(20, 200)
                product = _product(rng)
                s.track("Added To Cart", {**s.product_props(product), "quantity": 1})
        if v.user_id is not None and rng.random() < 0.05:
            s.wait(10, 120)
            s.track("Signed Out", {})


def _calibrate(model: DemoModel, events: int) -> int:
    """How many visitors make about `events` events in the range (a pilot run of the model)."""
    pilot = DemoModel(model.seed + 7919, model.start_ms, model.end_ms)
    sample = min(1000, max(300, events // 25))
    total = 0
    for t, idx in pilot.arrivals(sample):
        v = pilot.new_visitor(idx)
        when: int | None = t
        while when is not None and when <= pilot.end_ms:
            total += sum(1 for ts, _ in pilot.session(v, when) if ts <= pilot.end_ms)
            when = v.next_time
    per_visitor = max(1.0, total / sample)
    return max(1, round(events * 0.985 / per_visitor))


#: Arrivals drawn beyond the pilot's estimate, for generate_messages to choose from.
SPARE_ARRIVALS = 0.5
#: The share of the budget the admission of new visitors aims at: their later visits fill the rest.
ADMIT_SHARE = 0.995
#: Messages kept for the visitor who arrives just before the end (at most).
NOW_RESERVE = 40


def generate_messages(seed: int, events: int, start_ms: int, end_ms: int,
                      stats: dict[str, int] | None = None) -> Any:
    """Yield at most `events` demo messages in time order (about `events` when the range allows),
    the newest minutes before end_ms.

    A stream capped in time order loses its newest end, and the pilot's estimate is off by a
    few percent (by half for a few hundred events: a few visitors with long journeys), so the
    history used to stop hours or days before "now". Instead, more arrivals are drawn than
    estimated, a new visitor comes only while the messages made so far trail the arrivals'
    share of the budget, and a visit that would exceed it ends early (the visitor leaves for
    good): the cap never cuts the end. One last visitor arrives minutes before end_ms, with a
    budget of its own (someone is on the site right now).
    """
    model = DemoModel(seed, start_ms, end_ms)
    planned = _calibrate(model, events) if events > 0 else 0
    heap = model.arrivals(planned + int(planned * SPARE_ARRIVALS)) if planned else []  # sorted: a heap
    drawn = len(heap)
    now_idx = drawn
    if planned:
        heapq.heappush(heap, (max(start_ms, end_ms - model.rng.randrange(2 * MINUTE, 20 * MINUTE)), now_idx))
    budget = events - min(events // 10, NOW_RESERVE)
    visitors: dict[int, Visitor] = {}
    pending: list[tuple[int, int, dict[str, Any]]] = []
    seq = 0
    emitted = 0
    identified = 0
    seen = 0
    arrived = 0
    while heap:
        t, idx = heapq.heappop(heap)
        while pending and pending[0][0] <= t:
            yield heapq.heappop(pending)[2]
            emitted += 1
        v = visitors.get(idx)
        if v is None:
            arrived += 1
            if idx != now_idx and seq >= ADMIT_SHARE * budget * arrived / drawn:
                model.countries.pop(idx, None)  # ahead of the target: this visitor never comes
                continue
            v = visitors[idx] = model.new_visitor(idx)
            seen += 1
        was_anonymous = v.user_id is None
        visit = [(ts, msg) for ts, msg in model.session(v, t) if ts <= end_ms]
        room = (events if idx == now_idx else budget) - seq
        if len(visit) > room:
            visit = visit[:max(0, room)]
            v.next_time = None
        for ts, msg in visit:
            heapq.heappush(pending, (ts, seq, msg))
            seq += 1
        if was_anonymous and any(msg["type"] == "identify" for _, msg in visit):
            identified += 1
        if v.next_time is not None and v.next_time <= end_ms:
            heapq.heappush(heap, (v.next_time, idx))
        else:
            del visitors[idx]
    while pending:
        yield heapq.heappop(pending)[2]
        emitted += 1
    if stats is not None:
        stats.update(visitors=seen, identified=identified)


def _prepared_batches(enricher: Enricher | None, seed: int, events: int, start_ms: int,
                      end_ms: int) -> Iterator[Batch]:
    """The demo's batches generated and prepared (in a worker process); each tagged with its
    message count, the last also with the run's statistics."""
    stats: dict[str, int] = {}

    def prepared(messages: list[dict[str, Any]], last: bool) -> Batch:
        records, result = prepare_messages(messages, enricher, arrived_now=False)
        return records, result, (len(messages), dict(stats) if last else None)

    # One batch is held back: the statistics are complete only once the generator is exhausted,
    # and they ride on the last batch.
    held: list[dict[str, Any]] | None = None
    batch: list[dict[str, Any]] = []
    size = batch_size(events)
    for msg in generate_messages(seed, events, start_ms, end_ms, stats):
        batch.append(msg)
        if len(batch) >= size:
            if held is not None:
                yield prepared(held, False)
            held, batch = batch, []
    if batch:
        if held is not None:
            yield prepared(held, False)
        held = batch
    yield prepared(held or [], True)


@dataclass(frozen=True)
class DemoPlan:
    """Which demo: its size, seed and time range (the history ends at `end_ms`)."""

    events: int
    seed: int
    start_ms: int
    end_ms: int

    @classmethod
    def ending(cls, events: int, seed: int = 1, end: datetime | None = None, days: int = 90) -> DemoPlan:
        """The plan of a demo of `days` days ending at `end` (default: now, to the second)."""
        if events < 0:
            raise ValueError("events must not be negative")
        end_dt = (end or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        end_ms = int(end_dt.timestamp() * 1000)
        return cls(events, seed, end_ms - days * DAY, end_ms)


class DemoHeadStart:
    """A demo's generating process started before its database exists.

    The app's first run starts it at launch, so the ~0.7 s a process takes to start and make its
    first batch overlap the window's own start; generate_demo then stores from it.
    """

    def __init__(self, plan: DemoPlan, enricher: Enricher | None = None) -> None:
        self.plan = plan
        config = PrepareConfig.of_enricher(enricher if enricher is not None else shared_enricher())
        self.stream = ProcessStream(config, _prepared_batches, plan.seed, plan.events, plan.start_ms, plan.end_ms)

    def serves(self, events: int, seed: int, days: int, end: datetime | None, writer: EventWriter) -> bool:
        """Whether this process makes what generate_demo(events, seed, end, days) with `writer` would."""
        plan = self.plan
        return ((plan.events, plan.seed, plan.end_ms - plan.start_ms) == (events, seed, days * DAY)
                and (end is None or DemoPlan.ending(events, seed, end, days) == plan)
                and self.stream.config == PrepareConfig.of(writer))

    def close(self) -> None:
        """Stop the process when its demo will not be stored (the window closed, the file appeared)."""
        self.stream.close()


def generate_demo(engine: Engine, events: int, seed: int = 1, end: datetime | None = None, days: int = 90,
                  progress: Callable[[int], None] | None = None, *,
                  writer: EventWriter | None = None, workers: int = 0,
                  head_start: DemoHeadStart | None = None) -> DemoSummary:
    """Write a demo product of about `events` events ending at `end` (default: now) into the database.

    Deterministic for (seed, end, events, days). progress(n) is called after each batch
    with the number of messages written so far. workers > 0 generates and prepares the batches
    in a separate process (one: the model is one random sequence) while this one stores them;
    the stored rows are the same. `head_start` is that process already started (its end is "now"
    as of its start); one that does not make this demo is stopped and not used.
    """
    if events < 0:
        raise ValueError("events must not be negative")
    writer = writer or EventWriter(engine)
    batches: Iterator[Batch]
    if head_start is not None and head_start.serves(events, seed, days, end, writer):
        plan = head_start.plan
        batches = iter(head_start.stream)
    else:
        if head_start is not None:
            head_start.close()
        plan = DemoPlan.ending(events, seed, end, days)
        if workers > 0:
            batches = iter(ProcessStream(PrepareConfig.of(writer), _prepared_batches, plan.seed, plan.events,
                                         plan.start_ms, plan.end_ms))
        else:
            batches = _prepared_batches(writer.enricher, plan.seed, plan.events, plan.start_ms, plan.end_ms)
    summary = DemoSummary(start=datetime.fromtimestamp(plan.start_ms / 1000, UTC),
                          end=datetime.fromtimestamp(plan.end_ms / 1000, UTC))
    stats: dict[str, int] = {}
    done = 0

    def stored(result: IngestResult, tag: tuple[int, dict[str, int] | None]) -> None:
        nonlocal done
        count, final = tag
        summary.add(result, done)
        done += count
        if final is not None:
            stats.update(final)
        if progress is not None:
            progress(done)

    # Generating and validating the next batch overlaps with storing this one.
    store_in_order(writer, (_ready(b) for b in batches), stored)
    writer.refresh_statistics()
    summary.visitors = stats.get("visitors", 0)
    summary.identified = stats.get("identified", 0)
    return summary


def _ready(batch: Batch) -> Callable[[], list[Batch]]:
    return lambda: [batch]
