from tests.permissions import ALL, Case

CASES = [
    Case("home", lambda w: "/", ALL),
]
