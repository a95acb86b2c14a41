"""The length-grouped sampler: every text once per epoch, little padding, batches in random order."""

import random

from core.train.sampler import ShuffledLengthBatches


def padded_tokens(order: list[int], lengths: list[int], batch: int) -> int:
    return sum(max(lengths[i] for i in order[s:s + batch]) * len(order[s:s + batch])
               for s in range(0, len(order), batch))


def test_every_text_once_with_far_less_padding_than_random_batches():
    rng = random.Random(0)
    lengths = [rng.randint(2, 60) for _ in range(3210)]
    order = list(ShuffledLengthBatches(lengths, 32, seed=0))
    assert sorted(order) == list(range(3210))
    shuffled = list(range(3210))
    rng.shuffle(shuffled)
    assert padded_tokens(order, lengths, 32) < 0.6 * padded_tokens(shuffled, lengths, 32)


def test_batches_do_not_run_from_long_to_short():
    lengths = list(range(1, 6401))
    order = list(ShuffledLengthBatches(lengths, 32, seed=1))
    firsts = [lengths[order[s]] for s in range(0, len(order), 32)]
    falling = sum(a > b for a, b in zip(firsts, firsts[1:], strict=False))
    assert 0.3 < falling / (len(firsts) - 1) < 0.7  # random order, not a descending run per window


def test_the_short_batch_comes_last_so_batches_stay_aligned():
    lengths = list(range(100, 0, -1))
    order = list(ShuffledLengthBatches(lengths, 32, seed=2))
    chunks = [[lengths[i] for i in order[s:s + 32]] for s in range(0, 100, 32)]
    assert all(chunk == sorted(chunk, reverse=True) for chunk in chunks)  # each chunk is one sorted batch
    assert chunks[-1] == [4, 3, 2, 1]


def epoch_order(lengths: list[int], seed: int, epoch: int) -> list[int]:
    sampler = ShuffledLengthBatches(lengths, 16, seed=seed)
    sampler.set_epoch(epoch)
    return list(sampler)


def test_each_epoch_has_its_own_order_and_the_same_seed_and_epoch_give_it_again():
    import torch

    lengths = [i % 17 + 1 for i in range(500)]
    first = epoch_order(lengths, seed=3, epoch=1)
    torch.manual_seed(123)  # the global random state plays no part: a resumed run starts from another one
    assert epoch_order(lengths, seed=3, epoch=1) == first
    orders = [epoch_order(lengths, seed=3, epoch=e) for e in range(4)]
    assert all(sorted(order) == list(range(500)) for order in orders)  # every epoch sees every row once
    assert len({tuple(order) for order in orders}) == 4  # and each epoch in its own order
    assert epoch_order(lengths, seed=4, epoch=1) != first


def test_an_epoch_gives_the_same_order_however_often_it_is_read():
    # the Trainer skips the first batches of a resumed epoch by reading the sampler from the start
    lengths = [i % 17 + 1 for i in range(500)]
    sampler = ShuffledLengthBatches(lengths, 16, seed=3)
    sampler.set_epoch(2)
    assert list(sampler) == list(sampler) == epoch_order(lengths, seed=3, epoch=2)
