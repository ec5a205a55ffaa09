#!/usr/bin/python3
"""Writes ACLED-format rows (31 columns) for bench/import_bench.sh: fictional events over many
countries with a realistic actor cardinality, deterministic for a seed.

  cli_generate_acled.py ROWS [SEED] [--actors N] [--countries N] [--new-share F] [--prefix P]

Every actor has a home country and an ACLED actor type (inter code 1-8); a row happens in one
country and names 1 to 4 of that country's actors (actor1, then actor2, assoc_actor_1 and
assoc_actor_2 as it goes on), each with the type its inter column gives. A share --new-share
(0.30) of the rows names at least one actor the file has not named before, as long as unnamed
actors are left; every other row names only actors named earlier. When the file has fewer such
rows than actors, the new rows name several new actors each, so that every actor is named.

With 1,000,000 rows and 10,000 actors the new actors run out after about 33,000 rows: from there
every row names known actors only (no file of that size can have 30% of its rows naming one of
10,000 actors for the first time). With 9,000 rows and 3,300 actors, 2,700 rows name the 3,300
actors new to the system, as in the ACLED export of issue 16.

External ids are <prefix>NNNNNNN and actor names carry the prefix too, so files written with
different prefixes share no event and no actor.
"""
import argparse
import csv
import os
import random
import re
import sys

HEADER = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
          "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
          "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
          "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
          "source_scale", "notes", "fatalities", "tags", "timestamp"]
TYPES = [("Battles", "Armed clash", "Political violence"),
         ("Violence against civilians", "Abduction/forced disappearance", "Political violence"),
         ("Violence against civilians", "Attack", "Political violence"),
         ("Protests", "Peaceful protest", "Demonstrations"),
         ("Riots", "Violent demonstration", "Demonstrations"),
         ("Strategic developments", "Looting/property destruction", "Strategic developments"),
         ("Explosions/Remote violence", "Shelling/artillery/missile attack", "Political violence")]
# ACLED inter codes and the word the generated actor names use for them.
INTER_WORDS = {1: "Military Forces", 2: "Rebel Group", 3: "Political Militia",
               4: "Communal Militia", 5: "Rioters", 6: "Protesters", 7: "Civilians",
               8: "Foreign Forces"}
# How often each type is drawn: militias and state forces name most ACLED events.
INTER_WEIGHTS = [18, 10, 26, 14, 8, 12, 8, 4]
# Rows naming 1, 2, 3 and 4 actors.
ACTOR_COUNT_WEIGHTS = [30, 40, 20, 10]
SOURCES = ["Le Nouvelliste", "Radio Metronome", "Reuters", "AFP", "Local media",
           "Human Rights Watch", "Twitter", "Regional newspaper"]


def countries(count):
    """(alpha3, numeric) for the first `count` countries Lookout's own table knows."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common",
                        "country_codes.cc")
    with open(path, encoding="utf-8") as f:
        found = re.findall(r'\{"([A-Z]{3})", (\d+)\}', f.read())
    usable = [(alpha3, int(numeric)) for alpha3, numeric in found if int(numeric) > 0]
    if len(usable) < count:
        sys.exit("only %d countries in common/country_codes.cc" % len(usable))
    return usable[:count]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, nargs="?", default=200000)
    parser.add_argument("seed", type=int, nargs="?", default=7)
    parser.add_argument("--actors", type=int, default=10000)
    parser.add_argument("--countries", type=int, default=170)
    parser.add_argument("--new-share", type=float, default=0.30)
    parser.add_argument("--prefix", default="BENCH")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    places = countries(args.countries)

    # Actors per country, in the order the file will name them the first time. A country's
    # weight (how many events happen there) is skewed, as ACLED's are.
    weights = [1.0 / (1 + i) ** 0.8 for i in range(len(places))]
    unseen = [[] for _ in places]  # per country: (name, inter) not named yet
    for n in range(args.actors):
        c = rng.choices(range(len(places)), weights)[0]
        inter = rng.choices(range(1, 9), INTER_WEIGHTS)[0]
        unseen[c].append(("%s %s %05d (%s)" % (args.prefix.title(), INTER_WORDS[inter], n,
                                               places[c][0]), inter))
    seen = [[] for _ in places]
    remaining = args.actors

    # Countries with actors named already, and with actors not named yet, with cumulative
    # weights; rebuilt only when one of the two sets changes.
    pools = {}

    def pick_country(which):
        if which not in pools:
            lists = seen if which == "seen" else unseen
            members = [c for c in range(len(places)) if lists[c]]
            total, cumulative = 0.0, []
            for c in members:
                total += weights[c]
                cumulative.append(total)
            pools[which] = (members, cumulative)
        members, cumulative = pools[which]
        return rng.choices(members, cum_weights=cumulative)[0]

    def take_new(c):
        nonlocal remaining
        actor = unseen[c].pop(rng.randrange(len(unseen[c])))
        if not seen[c]:
            pools.pop("seen", None)
        seen[c].append(actor)
        if not unseen[c]:
            pools.pop("unseen", None)
        remaining -= 1
        return actor

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(HEADER)
    days = 6 * 365
    for i in range(args.rows):
        count = rng.choices([1, 2, 3, 4], ACTOR_COUNT_WEIGHTS)[0]
        is_new = remaining > 0 and (rng.random() < args.new_share or i == 0)
        if is_new:
            c = pick_country("unseen")
            # The first named actor is new; so are more of them when the actors not named yet
            # outnumber the new rows still to come.
            new_per_row = max(1.0, remaining / max(1.0, (args.rows - i) * args.new_share))
            want_new = int(new_per_row) + (1 if rng.random() < new_per_row % 1 else 0)
            count = max(count, min(4, want_new))
            named = [take_new(c)]
            while len(named) < count and unseen[c] and len(named) < want_new:
                named.append(take_new(c))
            while len(named) < count and len(seen[c]) > len(named):
                pick = rng.choice(seen[c])
                if pick not in named:
                    named.append(pick)
        else:
            c = pick_country("seen")
            named = []
            for _ in range(count * 3):
                if len(named) == count:
                    break
                pick = rng.choice(seen[c])
                if pick not in named:
                    named.append(pick)
        # actor1 (and its associate) share inter1; actor2 (and its associate) inter2.
        actor1, inter1 = named[0]
        actor2, inter2 = named[1] if len(named) > 1 else ("", 0)
        assoc1 = named[2][0] if len(named) > 2 else ""
        assoc2 = named[3][0] if len(named) > 3 else ""
        if len(named) > 2 and named[2][1] != inter1:
            # An associate of the other side: its inter code is actor2's.
            assoc1, assoc2 = "", "; ".join(a for a, _ in named[2:])
            inter2 = inter2 or named[2][1]
        event_type, sub_type, disorder = rng.choice(TYPES)
        alpha3, numeric = places[c]
        day = i * days // max(1, args.rows)
        year, doy = 2018 + day // 365, day % 365
        month, mday = 1 + doy // 31 % 12, 1 + doy % 28
        lat, lon = rng.uniform(-40, 60), rng.uniform(-120, 150)
        admin1 = "Region %d" % rng.randrange(12)
        place = "Town %d" % rng.randrange(400)
        sources = rng.sample(SOURCES, rng.choice([1, 1, 2, 3]))
        out.writerow([
            "%s%07d" % (args.prefix, i), "%04d-%02d-%02d" % (year, month, mday), str(year),
            rng.choice("1112"), disorder, event_type, sub_type, actor1, assoc1, str(inter1),
            actor2, assoc2, str(inter2) if inter2 else "",
            "%d%d" % (inter1, inter2) if inter2 else "%d0" % inter1,
            "Civilian targeting" if inter2 == 7 else "", str(numeric), "Region", alpha3, admin1,
            "District %d" % rng.randrange(30), "", place, "%.4f" % lat, "%.4f" % lon,
            rng.choice("123"), "; ".join(sources), "National-Subnational",
            'Generated row %d: on this day "%s" were reported near %s, %s; a benchmark fixture, '
            "not a real event. %s" % (i, actor1, place, admin1,
                                      "Several people were displaced." if i % 3 else ""),
            str(rng.choice([0, 0, 0, 1, 2, 5, 12])), "", str(1700000000 + i)])


if __name__ == "__main__":
    main()
