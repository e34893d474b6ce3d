"""Reference results of Python's langdetect 1.0.9 for the Rust port (src/tasks/langdetect.rs).

For every text: `langdetect.detect(text)` and `langdetect.detect_langs(text)` with
`DetectorFactory.seed = 0`, or the exception's message; for every fifth text also the full
probability vector (`Detector.langprob`, one value per language in index order).

The profiles are loaded in file-name order (the port's order) into the module's global
factory, so `langdetect.detect` itself is called. Python's own `init_factory` lists the
folder with `os.listdir`, whose order depends on the file system; the script reports how
many answers that order would change.

Regenerate (from the repository root, with `pip install langdetect==1.0.9` in the venv):

    /work/venv-langdetect/bin/python tests/golden/langdetect/generate.py --assets assets \
        > tests/golden/langdetect/cases.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import sys
from importlib import metadata
from pathlib import Path

import langdetect
from langdetect import detector_factory
from langdetect.detector_factory import DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

# Short passages written for this fixture, one or more per language (code: the language meant).
PASSAGES = [
    ("fr", "Le petit village se trouve au bord de la rivière. Chaque matin, les habitants vont au marché pour acheter du pain frais et des légumes."),
    ("fr", "Je ne sais pas si nous pourrons venir demain, mais nous essaierons."),
    ("de", "Die Stadt liegt an einem großen Fluss. Im Sommer gehen viele Menschen am Ufer spazieren und genießen die Sonne."),
    ("de", "Könnten Sie mir bitte sagen, wie ich zum Bahnhof komme?"),
    ("es", "La biblioteca abre todos los días a las nueve. Los estudiantes llegan temprano para encontrar un buen lugar donde estudiar."),
    ("es", "¿Dónde está el museo? Creo que está cerca de la plaza mayor."),
    ("it", "Il treno per Milano parte alle otto. Abbiamo comprato i biglietti ieri sera e siamo pronti per il viaggio."),
    ("pt", "O restaurante serve comida tradicional da região. Os turistas gostam muito do peixe grelhado e do vinho local."),
    ("pt", "Não sei se ele vai chegar a tempo para a reunião de amanhã."),
    ("nl", "Het weer is vandaag erg mooi. We gaan met de fiets naar het strand en nemen een picknick mee."),
    ("sv", "Vi bor i ett litet hus nära sjön. På vintern är det kallt, men på sommaren kan man bada varje dag."),
    ("no", "Vi skal reise til fjellet i helgen. Det blir fint å gå på tur og se utsikten over dalen."),
    ("da", "Børnene leger i haven, mens forældrene drikker kaffe og snakker om ugens begivenheder."),
    ("fi", "Kesällä menemme mökille järven rannalle. Siellä saunomme ja uimme joka ilta."),
    ("pl", "W niedzielę poszliśmy do parku. Dzieci bawiły się na placu zabaw, a my rozmawialiśmy na ławce."),
    ("cs", "Včera jsme byli v divadle. Představení bylo velmi zajímavé a herci hráli výborně."),
    ("hu", "A könyvtár reggel nyolckor nyit. A diákok gyakran itt tanulnak a vizsgák előtt."),
    ("ro", "Mâine mergem la munte cu prietenii. Sperăm că vremea va fi frumoasă și că vom vedea răsăritul."),
    ("ro", "Știința și tehnologia schimbă viața oamenilor în fiecare zi."),
    ("tr", "Bu sabah erken kalktım ve parkta yürüyüş yaptım. Hava çok güzeldi ve kuşlar ötüyordu."),
    ("id", "Kami pergi ke pasar untuk membeli sayur dan buah. Harga di sana lebih murah daripada di toko."),
    ("sw", "Watoto wanacheza mpira uwanjani. Mama yao anapika chakula cha jioni nyumbani."),
    ("vi", "Hôm nay trời rất đẹp. Chúng tôi đi dạo trong công viên và ăn kem ở quán gần hồ."),
    ("vi", "Tôi thích đọc sách vào buổi tối trước khi đi ngủ."),
    ("ru", "Вчера мы ходили в музей. Там было много интересных картин и старинных предметов."),
    ("ru", "Пожалуйста, скажите, где находится ближайшая станция метро?"),
    ("uk", "Влітку ми їздили до бабусі в село. Там ми допомагали їй у саду і купалися в річці."),
    ("bg", "Утре ще отидем на планина с приятели. Надяваме се времето да бъде хубаво."),
    ("mk", "Денеска одиме на пазар да купиме овошје и зеленчук за вечера."),
    ("el", "Το καλοκαίρι πηγαίνουμε στο νησί. Κολυμπάμε στη θάλασσα και τρώμε φρέσκα ψάρια."),
    ("ar", "ذهبنا أمس إلى السوق واشترينا الخضار والفواكه. كان الجو جميلا والناس كثيرين."),
    ("ar", "أحب قراءة الكتب في المساء قبل النوم."),
    ("fa", "دیروز با دوستانم به پارک رفتیم. هوا خیلی خوب بود و ما یک پیک نیک کوچک داشتیم."),
    ("ur", "کل ہم بازار گئے اور تازہ سبزیاں خریدیں۔ موسم بہت اچھا تھا۔"),
    ("he", "אתמול הלכנו לים עם החברים. המים היו חמים ונעים מאוד."),
    ("hi", "कल हम बाज़ार गए और ताज़ी सब्ज़ियाँ खरीदीं। मौसम बहुत अच्छा था और लोग खुश थे।"),
    ("hi", "मुझे शाम को किताबें पढ़ना बहुत पसंद है।"),
    ("mr", "आज सकाळी आम्ही बागेत फिरायला गेलो. तिथे खूप सुंदर फुले होती."),
    ("ne", "हामी भोलि पहाड घुम्न जाँदैछौं। मौसम राम्रो होला भन्ने आशा छ।"),
    ("bn", "গতকাল আমরা বাজারে গিয়েছিলাম এবং তাজা সবজি কিনেছিলাম। আবহাওয়া খুব ভালো ছিল।"),
    ("ta", "நேற்று நாங்கள் சந்தைக்குச் சென்று காய்கறிகள் வாங்கினோம். வானிலை மிகவும் நன்றாக இருந்தது."),
    ("te", "నిన్న మేము మార్కెట్‌కు వెళ్లి కూరగాయలు కొన్నాము. వాతావరణం చాలా బాగుంది."),
    ("kn", "ನಿನ್ನೆ ನಾವು ಮಾರುಕಟ್ಟೆಗೆ ಹೋಗಿ ತರಕಾರಿಗಳನ್ನು ಖರೀದಿಸಿದೆವು."),
    ("gu", "ગઈકાલે અમે બજારમાં ગયા અને તાજી શાકભાજી ખરીદી."),
    ("pa", "ਕੱਲ੍ਹ ਅਸੀਂ ਬਾਜ਼ਾਰ ਗਏ ਅਤੇ ਤਾਜ਼ੀਆਂ ਸਬਜ਼ੀਆਂ ਖਰੀਦੀਆਂ।"),
    ("ml", "ഇന്നലെ ഞങ്ങൾ ചന്തയിൽ പോയി പച്ചക്കറികൾ വാങ്ങി."),
    ("th", "เมื่อวานเราไปตลาดและซื้อผักสด อากาศดีมากและผู้คนก็มีความสุข"),
    ("ja", "昨日、私たちは市場に行って新鮮な野菜を買いました。天気がとても良かったです。"),
    ("ja", "東京は日本の首都で、世界で最も人口の多い都市の一つです。"),
    ("ja", "ありがとうございます。またあとでね。"),
    ("ko", "어제 우리는 시장에 가서 신선한 채소를 샀습니다. 날씨가 아주 좋았습니다."),
    ("ko", "한국어를 공부하는 것은 재미있어요."),
    ("zh-cn", "昨天我们去市场买了新鲜的蔬菜。天气非常好，人们都很开心。"),
    ("zh-cn", "这个问题的答案是什么？我们需要更多的时间来讨论。"),
    ("zh-tw", "昨天我們去市場買了新鮮的蔬菜。天氣非常好，人們都很開心。"),
    ("zh-tw", "這個問題的答案是什麼？我們需要更多的時間來討論。"),
    ("hr", "Jučer smo išli u kazalište. Predstava je bila jako zanimljiva i glumci su odlično glumili."),
    ("sk", "Včera sme boli v divadle. Predstavenie bolo veľmi zaujímavé a herci hrali výborne."),
    ("sl", "Včeraj smo šli v gledališče. Predstava je bila zelo zanimiva in igralci so odlično igrali."),
    ("lt", "Vakar mes ėjome į turgų ir nusipirkome šviežių daržovių."),
    ("lv", "Vakar mēs gājām uz tirgu un nopirkām svaigus dārzeņus."),
    ("et", "Eile käisime turul ja ostsime värskeid köögivilju."),
    ("sq", "Dje shkuam në treg dhe blemë perime të freskëta."),
    ("ca", "Ahir vam anar al mercat i vam comprar verdures fresques."),
    ("cy", "Aethon ni i'r farchnad ddoe a phrynu llysiau ffres."),
    ("af", "Gister het ons mark toe gegaan en vars groente gekoop."),
    ("tl", "Pumunta kami sa palengke kahapon at bumili ng sariwang gulay."),
    ("so", "Shalay waxaan aadnay suuqa oo waxaan iibsannay khudaar cusub."),
]

MIXED = [
    "Hello world. Bonjour le monde. Hallo Welt.",
    "The meeting is at 10am. 会議は午前10時です。",
    "Привет! How are you doing today? Всё хорошо.",
    "I love sushi 寿司が大好き and ramen ラーメン too.",
    "مرحبا بكم in our new office in Dubai",
    "Der Film war great, aber zu lang.",
    "Ce projet utilise Python et Rust pour le backend and the frontend uses TypeScript.",
    "NASA and the ESA launched the JWST in 2021.",
    "THIS IS ALL CAPS TEXT WITH SOME words in lower case",
    "ALL CAPS ONLY HERE",
    "iPhone iPad MacBook",
    "Καλημέρα! Good morning! Buongiorno!",
    "Điều này rất quan trọng for our team.",
    "한국어와 English를 섞어서 씁니다.",
    "这是中文 and this is English 混合在一起。",
    "नमस्ते, my name is Raj and I live in मुंबई.",
    "Español y português são línguas parecidas, pero no son iguales.",
    "Ukrainian: Київ. Russian: Москва. Bulgarian: София.",
]

SHORT = [
    "a", "I", "ok", "OK", "no", "yes", "Hi", "hello", "Hello!", "bonjour", "danke", "gracias", "ciao", "obrigado",
    "спасибо", "привет", "こんにちは", "ありがとう", "你好", "謝謝", "안녕하세요", "مرحبا", "שלום", "नमस्ते", "สวัสดี",
    "Γειά", "cat", "dog", "the", "de", "la", "und", "und der", "the cat", "le chat", "el gato", "der Hund", "il cane",
    "Ja", "Nein", "Tak", "Nie", "Sí", "Não", "x", "Z", "é", "ß", "ñ", "ø", "ç", "ğ", "ő", "ř", "ą", "ł",
    "日", "本", "中", "文", "한", "ア", "あ", "ㄅ", "Ω", "Ж", "ع", "א", "क", "ก", "ş", "ț", "ș", "ă", "ệ", "ṭ",
    "Tokyo", "Paris", "Berlin", "Moscow", "Beijing", "Python", "Rust", "GPT", "LLM", "OpenAI",
]

FEATURELESS = [
    "", " ", "   ", "\n", "\t\n ", "12345", "3.14159", "1 + 1 = 2", "!!!", "???", "...", "-- -- --", "$100.00",
    "(555) 123-4567", "2024-01-01", "#", "@", "&&&", "😀", "😀😀😀 🎉", "→ ← ↑ ↓", "© ® ™", "«»", "°", "\u00a0",
    "\u2014\u2013\u2026", "https://example.com", "http://example.com/path?query=1&x=2#frag", "john.doe@example.com",
    "https://a.b/c d@e.fg", "42 https://x.org 43 me@x.org 44", "{}[]()<>", "\\/|", "0x1F 0b1010 0o17",
]

URLS_AND_MAIL = [
    "Visit https://www.example.com/docs/index.html for more information about the project.",
    "Please contact support@example.com if you have any questions about your order.",
    "Besuchen Sie https://www.beispiel.de oder schreiben Sie an info@beispiel.de für weitere Informationen.",
    "Les détails sont sur http://exemple.fr/page?id=12&lang=fr et par courriel à contact@exemple.fr.",
    "Mail me at a.very.long.local.part.that.goes.on.and.on.and.on.and.on.and.on.and.on.beyond.sixty.four@domain.com ok",
    "see https://example.com/" + "a" * 3000 + " end of the story",
    "user@host user@@host @user host@ a@b.c",
    "httpss://not.a.url and ftp://files.example.com/readme are not matched",
    "Das ist https://x.y/ÄÖÜ ein Test.",
]

# Characters where the normalisation and the capital-word rule have special cases.
EDGE = [
    "\u01c5ungla \u01c8ubav \u01cb",  # titlecase digraphs: neither upper nor lower
    "\u2167\u2168 \u2169 chapter seven",  # Roman numerals (Other_Uppercase)
    "\u24b6\u24b7\u24b8 hello there",  # circled letters (Other_Uppercase)
    "\u00c0\u00c9\u00ce \u00d5\u00dc caf\u00e9 cr\u00e8me br\u00fbl\u00e9e",
    "\u0391\u0392\u0393 \u03b4\u03b5\u03b6 \u039a\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1",
    "\uff21\uff22\uff23 \uff46\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48 \uff54\uff45\uff58\uff54",
    "\u0130stanbul I\u011eDIR \u0131i \u015fehir",
    "\ufb01nal \ufb02ow ligatures",
    "\u00ab Bonjour \u00bb, dit-il\u00a0! Il fait 30\u00b0 aujourd'hui.",
    "Stra\u00dfe STRASSE \u1e9e gro\u00df",
    "\u1ea0 \u1ea1 \u1ef9 \u1e0d \u1e25 \u1e6d",
    "hel\u200blo wor\u200dld, zero\u2060width jo\u200ciner",
    "\u0219tiin\u021b\u0103 \u0218\u021a rom\u00e2ne\u0219te",
    "\u06cc\u06a9 \u0631\u0648\u0632 \u062e\u0648\u0628 \u0627\u0633\u062a",
    "line one\nline two\tthree\r\nfour",
    "\u0301\u0300 abc \u0303",
    "\u3400\u3401 \uf900\uf901 \u4e00\u4e8c\u4e09",
    "\u3105\u3106\u3107 \u31a0\u31a1 \u6ce8\u97f3",
    "\u30ab\u30bf\u30ab\u30ca \u3072\u3089\u304c\u306a \u6f22\u5b57",
    "ABC DEF GHI jkl MNO pqr",
    "McDonald's iPhone eBay YouTube PowerPoint",
    "a" * 12000,
    "Ok " * 4000,
]

VIETNAMESE_DECOMPOSED = [
    # Base letters followed by combining tone marks (U+0300, U+0301, U+0303, U+0309, U+0323).
    "Ho\u0302m nay tro\u0306\u0300i ra\u0302\u0301t đe\u0323p va\u0300 chu\u0301ng to\u0302i đi da\u0323o.",
    "Tie\u0302\u0301ng Vie\u0323\u0302t la\u0300 mo\u0323\u0302t ngo\u0302n ngu\u031b\u0303 đe\u0323p.",
    "A\u0300 A\u0301 A\u0303 A\u0309 A\u0323 e\u0300 e\u0301 e\u0303 e\u0309 e\u0323",
    "Xin cha\u0300o ca\u0301c ba\u0323n, ho\u0323c ti\u0301ch cu\u0309a ngu\u031bo\u031b\u0300i Vie\u0323\u0302t.",
]


def real_texts(assets: Path) -> list[tuple[str, str]]:
    """Real texts from the fetched task data: model-like answers and summaries of many lengths."""
    out: list[tuple[str, str]] = []
    with open(assets / "data/xsum/test.jsonl") as handle:
        summaries = [json.loads(line)["summary"] for line in handle]
    out += [("xsum", text) for text in summaries[:150]]
    with open(assets / "data/truthfulqa/combined.jsonl") as handle:
        answers = [json.loads(line)["answer"][0] for line in handle]
    out += [("truthfulqa", text) for text in answers[:120]]
    with gzip.open(assets / "data/gsm8k/requests.jsonl.gz", "rt") as handle:
        gsm = [json.loads(line)["doc"]["answer"] for line in handle]
    out += [("gsm8k", text) for text in gsm[:60]]
    with open(assets / "data/alpaca_eval/alpaca_eval_gpt4_baseline.json") as handle:
        alpaca = json.load(handle)
    out += [("alpaca_eval_output", row["output"]) for row in alpaca[:80]]
    with open(assets / "data/arena_hard/question.jsonl") as handle:
        prompts = [json.loads(line)["prompt"] for line in handle]
    # Arena-Hard holds prompts in many languages; take every tenth, and all non-ASCII ones.
    chosen = [p for i, p in enumerate(prompts) if i % 10 == 0 or any(ord(c) > 0x2FF for c in p)]
    out += [("arena_hard_prompt", text) for text in chosen[:120]]
    with open(assets / "data/ifeval/input_data.jsonl") as handle:
        ifeval = [json.loads(line)["prompt"] for line in handle]
    out += [("ifeval_prompt", text) for text in ifeval[:40]]
    # A long text past the 10,000-character cut.
    out.append(("xsum_joined_long", " ".join(summaries[:200])))
    return out


def derived_texts(real: list[tuple[str, str]], passages: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Fragments and mixtures that sit near ties: the first words of texts, joined passages,
    random strings over many Unicode blocks, and case variants."""
    rng = random.Random(20240601)
    out: list[tuple[str, str]] = []
    for source, text in real[::7]:
        words = text.split()
        for n in (1, 2, 3):
            if len(words) >= n:
                out.append((f"{source}_first{n}", " ".join(words[:n])))
    for lang, text in passages:
        words = text.split()
        out.append((f"passage_{lang}_first2", " ".join(words[:2])))
        out.append((f"passage_{lang}_upper", text.upper()))
    for _ in range(20):
        (l1, a), (l2, b) = rng.sample(passages, 2)
        out.append((f"mix_{l1}_{l2}", a + " " + b))
    blocks = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF),
              (0x900, 0x97F), (0xE00, 0xE7F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x3040, 0x30FF),
              (0x3100, 0x312F), (0x31A0, 0x31BF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xFF00, 0xFFEF),
              (0x1F300, 0x1F64F)]
    for i in range(40):
        length = rng.choice([3, 8, 20, 60, 200])
        chosen = rng.sample(blocks, rng.choice([1, 2, 3]))
        chars = []
        for _ in range(length):
            lo, hi = rng.choice(chosen)
            chars.append(chr(rng.randint(lo, hi)))
            if rng.random() < 0.2:
                chars.append(" ")
        out.append((f"random_blocks_{i}", "".join(chars)))
    return out


def result(text: str) -> dict:
    try:
        lang = langdetect.detect(text)
        probs = [[item.lang, item.prob] for item in langdetect.detect_langs(text)]
        return {"lang": lang, "error": None, "probs": probs}
    except LangDetectException as error:
        return {"lang": None, "error": str(error), "probs": None}


def langprob(factory: DetectorFactory, text: str) -> list[float] | None:
    detector = factory.create()
    detector.append(text)
    try:
        detector.get_probabilities()
    except LangDetectException:
        return None
    return list(detector.langprob)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--assets", type=Path, required=True, help="the asset folder (scripts/setup)")
    args = parser.parse_args()

    DetectorFactory.seed = 0
    # The module's own factory (os.listdir order), kept to measure the effect of the order.
    detector_factory.init_factory()
    native = detector_factory._factory
    profiles = Path(detector_factory.PROFILES_DIRECTORY)
    ordered = DetectorFactory()
    ordered.load_json_profile([(profiles / name).read_text(encoding="utf-8") for name in sorted(os.listdir(profiles))])
    assert ordered.langlist == sorted(native.langlist), ordered.langlist

    texts: list[tuple[str, str]] = []
    texts += [(f"passage_{lang}", text) for lang, text in PASSAGES]
    texts += [("mixed", text) for text in MIXED]
    texts += [("short", text) for text in SHORT]
    texts += [("featureless", text) for text in FEATURELESS]
    texts += [("url_mail", text) for text in URLS_AND_MAIL]
    texts += [("edge", text) for text in EDGE]
    texts += [("vietnamese_decomposed", text) for text in VIETNAMESE_DECOMPOSED]
    real = real_texts(args.assets)
    texts += real
    texts += derived_texts(real, PASSAGES)

    order_changes = 0
    for index, (source, text) in enumerate(texts):
        detector_factory._factory = native
        native_result = result(text)
        detector_factory._factory = ordered
        case = {"id": index, "source": source, "text": text, **result(text)}
        if native_result["lang"] != case["lang"]:
            order_changes += 1
        if index % 5 == 0:
            case["langprob"] = langprob(ordered, text)
        print(json.dumps(case, ensure_ascii=False))

    print(
        f"{len(texts)} cases; python {sys.version.split()[0]}, langdetect {metadata.version('langdetect')}; "
        f"answers that this os.listdir order {native.langlist[:4]}... would change: {order_changes}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
