"""Fixtures that serve the files a page downloads (a CSV, a zip, a text) or makes them where its
shell step would have unpacked them: the other half of `generator/docs/guides/fixtures.py`, which
registers them (`SERVED`) with the same decorator name, so a fixture's source (part of its pages'
output key) reads the same in either module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SERVED: dict[str, tuple[str, Callable[[], None]]] = {}  # name -> (the call it replaces, the fixture)


def fixture(replaces: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(function: Callable[[], None]) -> Callable[[], None]:
        SERVED[function.__name__] = (replaces, function)
        return function

    return register


def _serve_urls(files: dict[str, Callable[[], bytes]]) -> None:
    """`urllib.request.urlopen` answers a URL that ends with one of `files`' keys with the bytes
    its function makes, without the network: what `keras.utils.get_file`, `np.loadtxt(url)` and
    `pd.read_csv(url)` download then comes from the fixture. Other URLs go on (and meet the
    page's network block)."""
    import email.message
    import io
    import urllib.request
    import urllib.response

    original = urllib.request.urlopen

    def urlopen(url: Any, *args: Any, **kwargs: Any) -> Any:
        address = url if isinstance(url, str) else url.full_url
        for suffix, make in files.items():
            if address.split("?")[0].endswith(suffix):
                body = make()
                headers = email.message.Message()
                headers["Content-Length"] = str(len(body))
                return urllib.response.addinfourl(io.BytesIO(body), headers, address, 200)
        return original(url, *args, **kwargs)

    urllib.request.urlopen = urlopen  # type: ignore[assignment]


# --- files a page downloads -------------------------------------------------------------------


@fixture("the FordA_TRAIN.tsv and FordA_TEST.tsv downloads")
def forda_synthetic() -> None:
    """600 train and 200 test synthetic engine-noise series of 500 steps, tab-separated like
    FordA (label -1 or 1 first): label 1 series carry a faint 0.05-cycle tone under the noise,
    label -1 ones do not (seeded), in place of FordA's 4,921 recordings."""
    import numpy as np

    def table(count: int, seed: int) -> bytes:
        rng = np.random.default_rng(seed)
        labels = rng.choice([-1, 1], count)
        steps = np.arange(500)
        series = rng.normal(0, 1, (count, 500)) + (labels[:, None] == 1) * np.sin(
            2 * np.pi * 0.05 * steps + rng.uniform(0, 6.3, (count, 1)))
        series = (series - series.mean(axis=1, keepdims=True)) / series.std(axis=1, keepdims=True)
        rows = ["\t".join([str(label), *(f"{v:.5f}" for v in row)]) for label, row in zip(labels, series)]
        return ("\n".join(rows) + "\n").encode()

    _serve_urls({"FordA_TRAIN.tsv": lambda: table(600, 1), "FordA_TEST.tsv": lambda: table(200, 2)})


@fixture("the heart.csv download")
def heart_csv_synthetic() -> None:
    """303 synthetic patients with the 14 columns of the Cleveland Clinic heart-disease CSV (age,
    sex, cp, trestbps, chol, fbs, restecg, thalach, exang, oldpeak, slope, ca, thal as "fixed",
    "normal" or "reversible", target), values in the real ranges and a target that depends on
    age, thalach and exang (seeded)."""
    import numpy as np

    def csv() -> bytes:
        rng = np.random.default_rng(303)
        n = 303
        age, thalach = rng.integers(29, 78, n), rng.integers(90, 200, n)
        exang = rng.integers(0, 2, n)
        risk = (age - 54) / 9 - (thalach - 150) / 23 + 1.5 * exang + rng.normal(0, 1, n)
        columns = {
            "age": age, "sex": rng.integers(0, 2, n), "cp": rng.integers(0, 5, n),
            "trestbps": rng.integers(94, 200, n), "chol": rng.integers(126, 564, n), "fbs": rng.integers(0, 2, n),
            "restecg": rng.integers(0, 3, n), "thalach": thalach, "exang": exang,
            "oldpeak": rng.uniform(0, 6.2, n).round(1), "slope": rng.integers(1, 4, n), "ca": rng.integers(0, 4, n),
            "thal": rng.choice(["fixed", "normal", "reversible"], n), "target": (risk > 0.3).astype(int)}
        lines = [",".join(columns)] + [",".join(str(columns[c][i]) for c in columns) for i in range(n)]
        return ("\n".join(lines) + "\n").encode()

    _serve_urls({"heart.csv": csv})


@fixture('keras.utils.get_file("nietzsche.txt", ...)')
def nietzsche_python_license() -> None:
    """The text of Python's own license (LICENSE.txt of the running interpreter, about 13,000
    characters, repeated 6 times) stands in for the 600,000 characters of Nietzsche's writings."""
    import sys
    from pathlib import Path

    def text() -> bytes:
        found = next((p for p in (Path(sys.base_prefix) / "lib").glob("python3*/LICENSE.txt")), None)
        body = found.read_text(encoding="utf-8") if found else "\n".join(sorted(sys.modules))
        return (body * 6).encode()

    _serve_urls({"nietzsche.txt": text})


def _write_text_corpus(root: Any, parts: dict[str, int], seed: int) -> None:
    """Files of synthetic reviews under root/<part>/<label>/<n>.txt (label "pos" reviews use more
    of the first half of a small vocabulary, "neg" ones of the second half)."""
    import numpy as np

    words = ["film", "movie", "story", "actor", "scene", "plot", "music", "great", "good", "fine", "wonderful", "moving", "superb", "brilliant", "bad", "boring", "awful", "dull", "weak", "poor", "terrible", "silly", "slow", "predictable", "the", "a", "and", "of", "it", "is", "was"]
    rng = np.random.default_rng(seed)
    for folder, count in parts.items():
        for label in ("pos", "neg"):
            target = root / folder / label
            target.mkdir(parents=True, exist_ok=True)
            for n in range(count):
                bias = words[7:14] if label == "pos" else words[14:21]
                chosen = [rng.choice(bias) if rng.random() < 0.2 else rng.choice(words) for _ in range(rng.integers(20, 80))]
                (target / f"{n}_{label}.txt").write_text(" ".join(chosen) + " <br />\n", encoding="utf-8")


@fixture("curl -O .../aclImdb_v1.tar.gz; tar -xf aclImdb_v1.tar.gz")
def aclimdb_synthetic() -> None:
    """An `aclImdb/` folder the page's shell step would have downloaded and unpacked, made here:
    train and test, each 200 positive and 200 negative synthetic reviews over a 28-word
    vocabulary (positive ones use "great", "superb", ... more, seeded), and 50 unlabelled ones in
    train/unsup, in place of the 100,000 IMDB reviews."""
    from pathlib import Path

    root = Path("aclImdb")
    _write_text_corpus(root, {"train": 200, "test": 200}, 1)
    (root / "train" / "unsup").mkdir(exist_ok=True)
    for n in range(50):
        (root / "train" / "unsup" / f"{n}_0.txt").write_text("an unlabelled review\n", encoding="utf-8")


@fixture("curl -O .../kagglecatsanddogs_5340.zip; unzip -q kagglecatsanddogs_5340.zip")
def pet_images_synthetic() -> None:
    """A `PetImages/` folder the page's shell step would have downloaded and unpacked, made here:
    120 "Cat" and 120 "Dog" JPEG images of 180x180 seeded noise (cats redder, dogs bluer, so there
    is something to learn), numbered 6700-6819 as in the real folders (the page opens Cat/6779.jpg),
    in place of the 25,000 photos."""
    from pathlib import Path

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(5)
    for label, channel in (("Cat", 0), ("Dog", 2)):
        folder = Path("PetImages") / label
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(120):
            pixels = rng.integers(0, 200, (180, 180, 3))
            pixels[..., channel] += 55
            Image.fromarray(pixels.astype("uint8")).save(folder / f"{6700 + n}.jpg", quality=85)


@fixture("the creditcard.csv file from Kaggle")
def creditcard_synthetic() -> None:
    """A `creditcard.csv` made here: 5,000 synthetic transactions with the Kaggle file's 31
    columns (Time, V1-V28, Amount, Class), 0.6% of them frauds whose V-features are shifted
    (seeded), in place of the 284,807 real ones."""
    import numpy as np

    rng = np.random.default_rng(284)
    count = 5000
    fraud = rng.random(count) < 0.006
    features = rng.normal(0, 1, (count, 28)) + fraud[:, None] * rng.normal(1.5, 0.5, 28)
    header = ",".join(['"Time"', *(f'"V{i}"' for i in range(1, 29)), '"Amount"', '"Class"'])
    rows = [",".join([str(n * 17), *(f"{v:.4f}" for v in features[n]), f"{rng.gamma(2, 40):.2f}",
                      f'"{int(fraud[n])}"']) for n in range(count)]
    with open("creditcard.csv", "w", encoding="utf-8") as stream:
        stream.write(header + "\n" + "\n".join(rows) + "\n")


@fixture("the fra-eng.zip download")
def fra_eng_synthetic() -> None:
    """A `fra-eng.zip` made here: its `fra.txt` holds 3,000 tab-separated English, French and
    attribution lines, drawn (seeded) from 198 short sentences built from six pronouns, four
    verbs and eight objects ("She wants the key." / "Elle veut la clé.") and six exclamations,
    sorted by length like the real file, in place of the 200,000 pairs from Tatoeba."""
    import io
    import zipfile

    import numpy as np

    def archive() -> bytes:
        pronouns = [("I", "Je"), ("You", "Tu"), ("He", "Il"), ("She", "Elle"), ("We", "Nous"), ("They", "Ils")]
        verbs = [("see", ["vois", "vois", "voit", "voit", "voyons", "voient"]),
                 ("have", ["ai", "as", "a", "a", "avons", "ont"]),
                 ("want", ["veux", "veux", "veut", "veut", "voulons", "veulent"]),
                 ("like", ["aime", "aimes", "aime", "aime", "aimons", "aiment"])]
        objects = [("the house", "la maison"), ("the car", "la voiture"), ("the book", "le livre"),
                   ("the apple", "la pomme"), ("the bread", "le pain"), ("the key", "la clé"),
                   ("the table", "la table"), ("the hat", "le chapeau")]
        pairs = [("Go.", "Va !"), ("Hi.", "Salut !"), ("Run!", "Cours !"), ("Wait!", "Attends !"),
                 ("Thanks.", "Merci !"), ("Help!", "À l'aide !")]
        for person, (english, french) in enumerate(pronouns):
            for verb, forms in verbs:
                english_verb = verb if person not in (2, 3) else ("has" if verb == "have" else verb + "s")
                subject = "J'" if person == 0 and forms[0][0] in "aeiou" else french + " "
                for english_object, french_object in objects:
                    pairs.append((f"{english} {english_verb} {english_object}.",
                                  f"{subject}{forms[person]} {french_object}."))
        rng = np.random.default_rng(2017)
        chosen = sorted((pairs[i] for i in rng.integers(0, len(pairs), 3000)), key=lambda pair: len(pair[0]))
        lines = [f"{english}\t{french}\tsynthetic pair #{n} (keras3 docs fixture)"
                 for n, (english, french) in enumerate(chosen)]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr("_about.txt", "Synthetic English-French sentence pairs made for the keras3 docs build.\n")
            bundle.writestr("fra.txt", "\n".join(lines) + "\n")
        return buffer.getvalue()

    _serve_urls({"fra-eng.zip": archive})


@fixture("the ml-latest-small.zip download")
def movielens_small_synthetic() -> None:
    """An `ml-latest-small.zip` made here: its `ml-latest-small/ratings.csv` holds 8,000 seeded
    ratings (0.5 to 5.0 in half stars, userId,movieId,rating,timestamp) by 200 synthetic users of
    400 synthetic movies, each rating a user's and a movie's hidden three-number taste vectors
    matched, plus a bias per movie; `movies.csv` gives each movie a made-up title, year and
    genres (movieId,title,genres). In place of MovieLens's 100,836 ratings of 9,742 films; the
    archive holds no links.csv or tags.csv, which the page does not read."""
    import io
    import zipfile

    import numpy as np

    def archive() -> bytes:
        rng = np.random.default_rng(610)
        users, movies, count = 200, 400, 8000
        movie_ids = np.sort(rng.choice(np.arange(1, 20000), movies, replace=False))
        user_taste, movie_taste = rng.normal(0, 0.8, (users, 3)), rng.normal(0, 0.8, (movies, 3))
        movie_bias = rng.normal(0, 0.5, movies)
        pairs = rng.choice(users * movies, count, replace=False)
        user, movie = np.sort(pairs) // movies, np.sort(pairs) % movies
        score = 3.5 + (user_taste[user] * movie_taste[movie]).sum(axis=1) + movie_bias[movie] + rng.normal(0, 0.4, count)
        rating = np.clip(np.round(score * 2) / 2, 0.5, 5.0)
        stamp = rng.integers(828124615, 1537799250, count)
        ratings = "userId,movieId,rating,timestamp\n" + "".join(
            f"{u + 1},{movie_ids[m]},{r:.1f},{t}\n" for u, m, r, t in zip(user, movie, rating, stamp))
        first = ["Silent", "Red", "Last", "Hidden", "Broken", "Golden", "Lost", "Midnight", "Wild", "Little"]
        second = ["River", "Summer", "Road", "Garden", "Planet", "Harbor", "Mirror", "Kingdom", "Storm", "Letter"]
        genres = ["Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
                  "Fantasy", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
        lines = ["movieId,title,genres"]
        for n, movie_id in enumerate(movie_ids):
            title = f"The {first[n % 10]} {second[(n // 10) % 10]}" + (f" {n // 100 + 1}" if n >= 100 else "")
            chosen = rng.choice(genres, rng.integers(1, 4), replace=False)
            lines.append(f"{movie_id},{title} ({rng.integers(1930, 2019)}),{'|'.join(sorted(chosen))}")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr("ml-latest-small/README.txt", "Synthetic ratings made for the keras3 docs build.\n")
            bundle.writestr("ml-latest-small/movies.csv", "\n".join(lines) + "\n")
            bundle.writestr("ml-latest-small/ratings.csv", ratings)
        return buffer.getvalue()

    _serve_urls({"ml-latest-small.zip": archive})


@fixture("the adult.data and adult.test downloads (UCI Census Income)")
def adult_census_synthetic() -> None:
    """3,000 training and 1,000 test synthetic people in the UCI Census Income ("Adult") files'
    format: 15 comma-and-space separated columns without header (age, workclass, fnlwgt,
    education, education-num, marital status, occupation, relationship, race, sex, capital gain,
    capital loss, hours per week, native country, income " <=50K" or " >50K"), the categories of
    the real files (all 42 countries among them), " ?" for some unknown values, adult.test opening with its "|1x3 Cross
    validator" line and its labels ending with "."; the income depends on age, education,
    marriage, hours and capital gain (seeded). In place of 32,561 and 16,281 census records."""
    import numpy as np

    def table(count: int, seed: int, test: bool) -> bytes:
        rng = np.random.default_rng(seed)

        def pick(values: list[str], weights: list[float]) -> Any:
            chosen = rng.choice(values, count, p=np.array(weights) / sum(weights))
            chosen[:len(values)] = values  # every category occurs in each file
            return chosen

        age = np.clip(rng.gamma(4, 6.5, count) + 12, 17, 90).astype(int)
        educations = ["Preschool", "1st-4th", "5th-6th", "7th-8th", "9th", "10th", "11th", "12th", "HS-grad",
                      "Some-college", "Assoc-voc", "Assoc-acdm", "Bachelors", "Masters", "Prof-school", "Doctorate"]
        education = pick(educations, [1, 2, 3, 6, 5, 9, 11, 4, 96, 67, 13, 10, 50, 16, 5, 4])
        education_num = np.array([educations.index(e) + 1 for e in education])
        marital = pick(["Married-civ-spouse", "Never-married", "Divorced", "Separated", "Widowed",
                        "Married-spouse-absent", "Married-AF-spouse"], [46, 33, 14, 3, 3, 1.3, 0.5])
        sex = pick(["Male", "Female"], [67, 33])
        relationship = np.where(marital == "Married-civ-spouse", np.where(sex == "Male", "Husband", "Wife"),
                                rng.choice(["Not-in-family", "Own-child", "Unmarried", "Other-relative"], count,
                                           p=[0.47, 0.29, 0.19, 0.05]))
        workclass = pick(["Private", "Self-emp-not-inc", "Local-gov", "?", "State-gov", "Self-emp-inc",
                          "Federal-gov", "Without-pay", "Never-worked"], [70, 8, 6.4, 5.6, 4, 3.4, 2.9, 0.5, 0.5])
        occupation = pick(["Prof-specialty", "Craft-repair", "Exec-managerial", "Adm-clerical", "Sales",
                           "Other-service", "Machine-op-inspct", "?", "Transport-moving", "Handlers-cleaners",
                           "Farming-fishing", "Tech-support", "Protective-serv", "Priv-house-serv", "Armed-Forces"],
                          [12.7, 12.6, 12.5, 11.6, 11.2, 10.1, 6.1, 5.7, 4.9, 4.2, 3.1, 2.8, 2, 0.5, 0.5])
        race = pick(["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"], [85, 9.6, 3.2, 1, 1])
        others = ["Cambodia", "Outlying-US(Guam-USVI-etc)", "Japan", "Greece", "South", "China", "Iran", "Honduras",
                  "Italy", "Poland", "Jamaica", "Vietnam", "Portugal", "Ireland", "France", "Dominican-Republic",
                  "Laos", "Ecuador", "Taiwan", "Haiti", "Columbia", "Hungary", "Guatemala", "Nicaragua", "Scotland",
                  "Thailand", "Yugoslavia", "Trinadad&Tobago", "Peru", "Hong", "Holand-Netherlands"]
        country = pick(["United-States", "Mexico", "?", "Philippines", "Germany", "Canada", "Puerto-Rico",
                        "El-Salvador", "India", "Cuba", "England", *others],
                       [89.6, 2, 1.8, 0.6, 0.4, 0.4, 0.35, 0.33, 0.3, 0.29, 0.28, *[0.1] * len(others)])
        hours = np.clip(np.round(rng.normal(40, 12, count)), 1, 99).astype(int)
        gain = np.where(rng.random(count) < 0.08, rng.choice([2174, 3103, 5178, 7298, 15024, 99999], count), 0)
        loss = np.where(rng.random(count) < 0.05, rng.choice([1602, 1887, 1902, 1977, 2415], count), 0)
        fnlwgt = np.clip(rng.lognormal(12.0, 0.5, count), 12285, 1484705).astype(int)
        logit = (0.05 * (np.minimum(age, 60) - 40) + 0.45 * (education_num - 10) + 0.045 * (hours - 40)
                 + 2.0 * (marital == "Married-civ-spouse") + 2.5 * (gain > 5000) - 2.4 + rng.normal(0, 0.8, count))
        income = np.where(logit > 0, ">50K", "<=50K")
        rows = ["|1x3 Cross validator"] if test else []
        for n in range(count):
            fields = [age[n], workclass[n], fnlwgt[n], education[n], education_num[n], marital[n], occupation[n],
                      relationship[n], race[n], sex[n], gain[n], loss[n], hours[n], country[n],
                      income[n] + ("." if test else "")]
            rows.append(", ".join(str(field) for field in fields))
        return ("\n".join(rows) + "\n\n").encode()

    _serve_urls({"adult.data": lambda: table(3000, 1994, False), "adult.test": lambda: table(1000, 1996, True)})


@fixture("the art_daily_small_noise.csv and art_daily_jumpsup.csv downloads (NAB)")
def nab_art_daily_synthetic() -> None:
    """The two Numenta Anomaly Benchmark files made here, in their format (timestamp,value at
    5-minute steps, 4,032 rows: 14 days from 2014-04-01 00:00:00): a daily pattern, about 20 at
    night and 80 from 9:00 to 17:00 with one-hour ramps, plus seeded noise (standard deviation
    2); in `art_daily_jumpsup.csv` the daytime level jumps to about 160 on 2014-04-11, the
    anomaly the page looks for."""
    import numpy as np

    def table(seed: int, jump: bool) -> bytes:
        rng = np.random.default_rng(seed)
        steps = np.arange(4032)
        hour = (steps % 288) / 12
        level = 20 + 60 * np.clip(np.minimum(hour - 8, 18 - hour), 0, 1)
        if jump:
            day = steps // 288
            level = np.where((day == 10) & (level > 20), 20 + (level - 20) * 7 / 3, level)
        values = level + rng.normal(0, 2, steps.size)
        stamps = np.datetime64("2014-04-01T00:00:00") + steps * np.timedelta64(5, "m")
        rows = [f"{str(stamp).replace('T', ' ')},{value:.10f}" for stamp, value in zip(stamps, values)]
        return ("timestamp,value\n" + "\n".join(rows) + "\n").encode()

    _serve_urls({"art_daily_small_noise.csv": lambda: table(4032, False),
                 "art_daily_jumpsup.csv": lambda: table(4033, True)})


@fixture("the jena_climate_2009_2016.csv.zip download")
def jena_climate_synthetic() -> None:
    """A `jena_climate_2009_2016.csv.zip` made here: its `jena_climate_2009_2016.csv` has the
    real file's 15 columns ("Date Time" as 01.01.2009 00:10:00, then p (mbar), T (degC), Tpot
    (K), Tdew (degC), rh (%), VPmax, VPact and VPdef (mbar), sh (g/kg), H2OC (mmol/mol), rho
    (g/m**3), wv (m/s), max. wv (m/s), wd (deg)) and 10,000 rows at 10-minute steps (about 69
    days from January 2009): temperature and pressure follow a daily cycle and slow seeded
    weather swings, humidity the temperature, and the vapour, density and potential-temperature
    columns are computed from them with the usual formulas. In place of 420,551 measurements."""
    import io
    import zipfile

    import numpy as np

    def archive() -> bytes:
        rng = np.random.default_rng(2009)
        count = 10000
        steps = np.arange(1, count + 1)
        day = steps / 144

        def drift(scale: float, keep: float) -> Any:
            walk = np.zeros(count)
            shocks = rng.normal(0, scale, count)
            for n in range(1, count):
                walk[n] = keep * walk[n - 1] + shocks[n]
            return walk

        temperature = (-1 + 5 * day / 69 - 3 * np.cos(2 * np.pi * (day - 0.1)) + drift(0.12, 0.998)
                       + rng.normal(0, 0.15, count))
        pressure = 990 + drift(0.3, 0.999) + 0.4 * np.sin(4 * np.pi * day)
        humidity = np.clip(85 - 3.5 * (temperature - temperature.mean()) + drift(0.5, 0.99), 25, 100)
        vp_max = 6.1078 * np.exp(17.27 * temperature / (temperature + 237.3))
        vp_act = vp_max * humidity / 100
        ratio = np.log(vp_act / 6.1078)
        wind = np.abs(drift(0.15, 0.98)) + rng.gamma(1.5, 0.5, count)
        columns = {
            "p (mbar)": pressure, "T (degC)": temperature,
            "Tpot (K)": (temperature + 273.15) * (1000 / pressure) ** 0.286,
            "Tdew (degC)": 237.3 * ratio / (17.27 - ratio), "rh (%)": humidity,
            "VPmax (mbar)": vp_max, "VPact (mbar)": vp_act, "VPdef (mbar)": vp_max - vp_act,
            "sh (g/kg)": 622 * vp_act / (pressure - 0.378 * vp_act), "H2OC (mmol/mol)": 1000 * vp_act / pressure,
            "rho (g/m**3)": pressure * 100000 / (287.05 * (temperature + 273.15)),
            "wv (m/s)": wind, "max. wv (m/s)": wind * rng.uniform(1.3, 2.2, count),
            "wd (deg)": (200 + np.cumsum(rng.normal(0, 4, count))) % 360}
        stamps = np.datetime64("2009-01-01T00:00") + steps * np.timedelta64(10, "m")
        dates = [f"{s[8:10]}.{s[5:7]}.{s[:4]} {s[11:16]}:00" for s in map(str, stamps)]
        header = ",".join(f'"{name}"' for name in ["Date Time", *columns])
        table = np.column_stack(list(columns.values()))
        rows = [date + "," + ",".join(f"{v:.2f}" for v in row) for date, row in zip(dates, table)]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr("jena_climate_2009_2016.csv", header + "\n" + "\n".join(rows) + "\n")
        return buffer.getvalue()

    _serve_urls({"jena_climate_2009_2016.csv.zip": archive})
