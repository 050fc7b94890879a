#!/usr/bin/python3
"""Reference for the tokenizer.model path: Google's sentencepiece (Debian python3-sentencepiece),
which we did not write. Run with /usr/bin/python3.

  sentencepiece_reference.py train CORPUS PREFIX VOCAB_SIZE bpe|unigram
      trains PREFIX.model (byte fallback on, like Llama's and Mistral's models)
  sentencepiece_reference.py encode MODEL STRINGS_JSON
      prints {"ids": [[...]], "decoded": [...]}: each string cut at the control pieces (<s>, </s>),
      which become their ids, the rest encoded by sentencepiece (transformers' LlamaTokenizer with
      legacy=True does the same); "decoded" is sentencepiece's decode of each id list
"""
import json
import re
import sys

import sentencepiece as spm


def train(corpus, prefix, vocab_size, model_type):
    spm.SentencePieceTrainer.train(
        input=corpus, model_prefix=prefix, vocab_size=int(vocab_size), model_type=model_type,
        byte_fallback=True, character_coverage=0.9995, num_threads=1, minloglevel=2,
        train_extremely_large_corpus=False)


def encode(model, strings_path):
    sp = spm.SentencePieceProcessor(model_file=model)
    controls = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())
                if sp.is_control(i) or sp.is_unknown(i)}
    pattern = re.compile("|".join(re.escape(c) for c in sorted(controls, key=len, reverse=True)))
    strings = json.load(open(strings_path, encoding="utf-8"))
    out_ids, decoded = [], []
    for s in strings:
        ids, pos = [], 0
        for m in pattern.finditer(s):
            if m.start() > pos:
                ids += sp.encode(s[pos:m.start()])
            ids.append(controls[m.group(0)])
            pos = m.end()
        if pos < len(s):
            ids += sp.encode(s[pos:])
        out_ids.append(ids)
        decoded.append(sp.decode(ids))
    json.dump({"ids": out_ids, "decoded": decoded}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    if sys.argv[1] == "train":
        train(*sys.argv[2:6])
    elif sys.argv[1] == "encode":
        encode(*sys.argv[2:4])
    else:
        sys.exit(__doc__)
