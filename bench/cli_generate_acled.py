#!/usr/bin/python3
"""Writes N ACLED-format rows (31 columns) for bench/cli_import_bench.sh: fictional events with
a few hundred recurring actors, quoted notes and several sources, deterministic for a seed."""
import csv
import random
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
         ("Strategic developments", "Looting/property destruction", "Strategic developments")]
PLACES = [("Ouest", "Port-au-Prince", "Delmas", 18.546, -72.303),
          ("Ouest", "Croix-des-Bouquets", "Croix-des-Bouquets", 18.577, -72.227),
          ("Artibonite", "Saint-Marc", "Saint-Marc", 19.108, -72.694),
          ("Centre", "Mirebalais", "Mirebalais", 18.834, -72.105),
          ("Nord", "Cap-Haitien", "Cap-Haitien", 19.757, -72.204)]


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    gangs = ["Bench Gang %d (Haiti)" % i for i in range(250)]
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(HEADER)
    for i in range(rows):
        event_type, sub_type, disorder = rng.choice(TYPES)
        admin1, admin2, place, lat, lon = rng.choice(PLACES)
        day = 1 + i % 28
        month = 1 + (i // 28) % 12
        actor1 = rng.choice(gangs)
        actor2 = rng.choice(["Police Forces of Haiti (2021-)", "Civilians (Haiti)",
                             rng.choice(gangs)])
        inter2 = {"Police Forces of Haiti (2021-)": "1", "Civilians (Haiti)": "7"}.get(actor2, "3")
        out.writerow([
            "BENCH%07d" % i, "2023-%02d-%02d" % (month, day), "2023", "1", disorder, event_type,
            sub_type, actor1, rng.choice(["", rng.choice(gangs)]), "3", actor2, "", inter2,
            "3" + inter2, "Civilian targeting" if inter2 == "7" else "", "332", "Caribbean",
            "Haiti", admin1, admin2, place, place, "%.4f" % (lat + rng.uniform(-0.05, 0.05)),
            "%.4f" % (lon + rng.uniform(-0.05, 0.05)), rng.choice("123"),
            "Le Nouvelliste; Radio Metronome", "National-Subnational",
            'Generated row %d: members of "%s" were reported near %s; a benchmark fixture, '
            "not a real event." % (i, actor1, place),
            str(rng.choice([0, 0, 0, 1, 2, 5])), "", str(1700000000 + i)])


if __name__ == "__main__":
    main()
