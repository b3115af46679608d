"""The fixed vocabulary of the demo product ("Brewline", an online coffee-gear shop with
membership plans): products, pages, referrers, user agents, names and where visitors are.

Kept apart from the generator so the model reads as behaviour, not as data tables.
Every entry is (value, weight); weights are relative frequencies.
"""

from __future__ import annotations

SITE = "https://brewline.example"
SITE_TITLE = "Brewline"

#: (product id, name, category, price in USD)
PRODUCTS: list[tuple[str, str, str, float]] = [
    ("p-101", "Burr Grinder Pro", "Grinders", 249.0),
    ("p-102", "Hand Grinder Mini", "Grinders", 89.0),
    ("p-103", "Precision Grinder X", "Grinders", 399.0),
    ("p-201", "Espresso Machine Duo", "Espresso", 699.0),
    ("p-202", "Milk Frother", "Espresso", 59.0),
    ("p-203", "Tamper Set", "Espresso", 34.5),
    ("p-301", "Pour-Over Kit", "Brewers", 45.0),
    ("p-302", "French Press 1L", "Brewers", 39.9),
    ("p-303", "Travel Press", "Brewers", 34.95),
    ("p-304", "Cold Brew Jar", "Brewers", 29.0),
    ("p-401", "Gooseneck Kettle", "Kettles", 129.0),
    ("p-402", "Smart Electric Kettle", "Kettles", 159.0),
    ("p-501", "Ethiopia Yirgacheffe 250g", "Beans", 16.5),
    ("p-502", "Colombia Huila 250g", "Beans", 14.0),
    ("p-503", "House Espresso Blend 1kg", "Beans", 38.0),
    ("p-504", "Decaf Swiss Water 250g", "Beans", 15.0),
    ("p-601", "Digital Scale", "Accessories", 49.0),
    ("p-602", "Ceramic Mug Set", "Accessories", 32.0),
    ("p-603", "Paper Filters (100)", "Accessories", 7.5),
    ("p-604", "Cleaning Tablets", "Accessories", 12.0),
]
#: Cheap, popular things sell more often than machines.
PRODUCT_WEIGHTS = [6, 5, 2, 2, 4, 3, 7, 6, 4, 4, 4, 3, 9, 8, 6, 3, 5, 4, 6, 3]
CATEGORIES = sorted({p[2] for p in PRODUCTS})

#: (path, page name, page category, title)
PAGES: list[tuple[tuple[str, str, str, str], float]] = [
    (("/", "Home", "Marketing", "Brewline – Better coffee at home"), 30),
    (("/shop", "Shop", "Shop", "Shop all – Brewline"), 18),
    (("/pricing", "Pricing", "Marketing", "Membership plans – Brewline"), 8),
    (("/blog/dialing-in-espresso", "Dialing in espresso", "Blog", "Dialing in espresso – Brewline blog"), 4),
    (("/blog/best-grinder-2024", "Best grinder 2024", "Blog", "The best grinder of 2024 – Brewline blog"), 4),
    (("/blog/cold-brew-guide", "Cold brew guide", "Blog", "Cold brew, the easy way – Brewline blog"), 3),
    (("/about", "About", "Marketing", "About us – Brewline"), 2),
    (("/help", "Help", "Support", "Help centre – Brewline"), 3),
    (("/account", "Account", "Account", "Your account – Brewline"), 5),
    (("/cart", "Cart", "Shop", "Your cart – Brewline"), 4),
]

#: Landing referrers of a first visit ('' = typed in / bookmarked). (url, utm_source or '')
FIRST_REFERRERS: list[tuple[tuple[str, str], float]] = [
    (("https://www.google.com/", ""), 36),
    (("", ""), 20),
    (("https://www.bing.com/", ""), 4),
    (("https://duckduckgo.com/", ""), 2.5),
    (("https://search.yahoo.com/", ""), 1),
    (("https://t.co/9sKx2LmQe1", "twitter"), 4),
    (("https://l.facebook.com/", "facebook"), 3.5),
    (("https://l.instagram.com/", "instagram"), 2),
    (("https://www.reddit.com/r/Coffee/", ""), 3),
    (("https://news.ycombinator.com/", ""), 1.5),
    (("https://www.youtube.com/", ""), 2),
    (("https://www.linkedin.com/", "linkedin"), 1.5),
    (("https://www.pinterest.com/", ""), 1),
    (("https://www.theguardian.com/food", ""), 1.2),
    (("https://www.nytimes.com/wirecutter/", ""), 1.5),
    (("https://www.bbc.co.uk/food", ""), 0.8),
    (("https://www.theverge.com/", ""), 0.8),
    (("https://techcrunch.com/", ""), 0.5),
    (("https://www.producthunt.com/", "producthunt"), 1),
    (("https://chatgpt.com/", ""), 1),
    (("https://mail.google.com/", "newsletter"), 2.5),
]

#: (user agent, is mobile)
USER_AGENTS: list[tuple[tuple[str, bool], float]] = [
    (("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Safari/537.36", False), 20),
    (("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/123.0.0.0 Safari/537.36", False), 6),
    (("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67", False), 7),
    (("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0", False), 4),
    (("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Safari/537.36", False), 9),
    (("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Version/17.4.1 Safari/605.1.15", False), 5),
    (("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0", False), 1.5),
    (("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Safari/537.36", False), 2),
    (("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", False), 1),
    (("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Safari/537.36", False), 1),
    (("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Version/17.4.1 Mobile/15E148 Safari/604.1", True), 14),
    (("Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Version/16.6 Mobile/15E148 Safari/604.1", True), 4),
    (("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1", True), 2),
    (("Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Version/17.4 Mobile/15E148 Safari/604.1", True), 2),
    (("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.6367.82 Mobile Safari/537.36", True), 3),
    (("Mozilla/5.0 (Linux; Android 13; SM-G991B) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Mobile Safari/537.36", True), 4),
    (("Mozilla/5.0 (Linux; Android 12; moto g(60)) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Mobile Safari/537.36", True), 2),
    (("Mozilla/5.0 (Linux; Android 13; CPH2381) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Mobile Safari/537.36", True), 2),
    (("Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
      "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36", True), 3),
    (("Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/124.0.0.0 Mobile Safari/537.36", True), 3),
    (("Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0", True), 0.6),
]

#: First names by the `gender` trait, so a person's name and gender agree. Non-binary people and
#: those who left gender unspecified get names common for any gender.
FEMALE_FIRST_NAMES = [
    "Emma", "Olivia", "Ava", "Mia", "Sofia", "Hanna", "Chloé", "Giulia", "Lucía", "Priya", "Ananya",
    "Sakura", "Mei", "Ana", "Beatriz", "Amara", "Zanele", "Fatima", "Layla", "Ingrid", "Freya", "Zofia",
    "Emily", "Charlotte", "Isabella", "Grace", "Sarah", "Nora",
]
MALE_FIRST_NAMES = [
    "Liam", "Noah", "Lucas", "Mateo", "Leon", "Elias", "Hugo", "Marco", "Pablo", "Aarav", "Rohan", "Haruto",
    "Min-jun", "Wei", "João", "Pedro", "Chidi", "Thabo", "Omar", "Youssef", "Lars", "Oskar", "Jakub",
    "James", "Oliver", "Ethan", "Daniel", "David",
]
NEUTRAL_FIRST_NAMES = ["Sam", "Alex", "Robin", "Kai", "Charlie", "Jordan", "Yuki", "Ji-woo", "Quinn", "Ariel"]
FIRST_NAMES_BY_GENDER: dict[str, list[str]] = {
    "female": FEMALE_FIRST_NAMES, "male": MALE_FIRST_NAMES,
    "non-binary": NEUTRAL_FIRST_NAMES, "unspecified": NEUTRAL_FIRST_NAMES,
}
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Martínez", "Müller", "Schmidt",
    "Schneider", "Dubois", "Martin", "Bernard", "Rossi", "Russo", "Fernández", "López", "Sharma", "Patel",
    "Gupta", "Sato", "Suzuki", "Tanaka", "Kim", "Lee", "Park", "Wang", "Li", "Zhang", "Silva", "Santos",
    "Oliveira", "Okafor", "Adeyemi", "Nkosi", "Haddad", "Hassan", "Larsen", "Nilsson", "Johansson",
    "Kowalski", "Nowak", "Taylor", "Wilson", "Anderson", "Thomas", "Moore", "Jackson", "White", "Harris",
    "Clark", "Lewis", "Walker", "Young", "Hall", "Allen", "King", "Wright", "Scott",
]
GENDERS: list[tuple[str, float]] = [("female", 48), ("male", 48), ("non-binary", 2.5), ("unspecified", 1.5)]
EMAIL_DOMAINS: list[tuple[str, float]] = [
    ("gmail.com", 45), ("outlook.com", 12), ("yahoo.com", 8), ("icloud.com", 10), ("proton.me", 3),
    ("hotmail.com", 5), ("web.de", 2), ("orange.fr", 1.5),
]
COMPANIES = [
    "Northwind Traders", "Contoso", "Fabrikam", "Tailspin Toys", "Wide World Importers", "Adventure Works",
    "Litware", "Proseware", "Blue Yonder Airlines", "Coho Winery", "Alpine Ski House", "Margie's Travel",
    "Fourth Coffee", "Lucerne Publishing", "Trey Research", "Woodgrove Bank", "Humongous Insurance",
    "Wingtip Toys", "Relecloud", "VanArsdel", "Bellows College", "A. Datum", "Consolidated Messenger",
    "Nod Publishers", "Southridge Video", "City Power & Light", "Tailwind Traders", "Graphic Design Institute",
]
INDUSTRIES = ["Retail", "Hospitality", "Software", "Finance", "Education", "Media", "Travel", "Manufacturing"]

#: (plan, monthly price in USD), weights for new sign-ups
PLANS: list[tuple[tuple[str, float], float]] = [(("free", 0.0), 55), (("plus", 9.0), 32), (("pro", 19.0), 13)]
COUPONS: list[tuple[str, float]] = [("WELCOME10", 0.10), ("SPRING15", 0.15), ("FREESHIP", 0.0), ("BREW20", 0.20)]
SEARCHES = ["grinder", "espresso machine", "decaf", "kettle", "pour over", "filters", "scale",
            "cold brew", "beans", "gift", "milk frother", "french press", "travel", "descaler"]
SIGNUP_METHODS: list[tuple[str, float]] = [("email", 55), ("google", 35), ("apple", 10)]
PAYMENT_METHODS: list[tuple[str, float]] = [("card", 62), ("paypal", 20), ("apple_pay", 12), ("klarna", 6)]
VIDEOS = [("How to dial in espresso", 312), ("Grinder comparison", 545), ("Cold brew in 5 minutes", 288)]
EXPERIMENTS = [("checkout_button_color", ("green", "blue")), ("free_shipping_banner", ("control", "banner"))]
APP_SCREENS: list[tuple[str, float]] = [("Home", 40), ("Product", 25), ("Orders", 12), ("Brew Timer", 15),
                                        ("Settings", 4), ("Cart", 4)]
