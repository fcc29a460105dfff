import os
import re

MINIMUM_LENGTH = int(os.environ["MINIMUM_LENGTH"])


def handler(event, context):
    words = [w.lower() for w in re.findall(r"[A-Za-z']+", event["text"])]
    counts: dict = {}
    for word in words:
        if len(word) >= MINIMUM_LENGTH:
            counts[word] = counts.get(word, 0) + 1
    return {"title": event["title"], "words": counts}
