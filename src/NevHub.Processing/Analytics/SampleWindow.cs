using NevHub.Domain;

namespace NevHub.Processing.Analytics;

/// <summary>
/// A vehicle's recent samples sorted by sample time, with their content hashes: appending (the in-order case) and removing
/// from the front are O(1) amortised; inserting in the middle (late data) moves the samples after it.
/// </summary>
internal sealed class SampleWindow : IReadOnlyList<WindowSample>
{
    private WindowSample[] _samples = new WindowSample[64];
    private long[] _hashes = new long[64];
    private int _head;
    private int _count;

    public int Count => _count;

    public WindowSample this[int index] => _samples[_head + index];

    public long HashAt(int index) => _hashes[_head + index];

    public void Insert(int index, WindowSample sample, long hash)
    {
        if (_head + _count == _samples.Length)
        {
            Grow();
        }

        var at = _head + index;
        if (index < _count)
        {
            Array.Copy(_samples, at, _samples, at + 1, _count - index);
            Array.Copy(_hashes, at, _hashes, at + 1, _count - index);
        }

        _samples[at] = sample;
        _hashes[at] = hash;
        _count++;
    }

    public void Add(WindowSample sample, long hash) => Insert(_count, sample, hash);

    public void RemoveFront(int count)
    {
        Array.Clear(_samples, _head, count);
        _head += count;
        _count -= count;
        if (_count == 0)
        {
            _head = 0;
        }
    }

    public IEnumerator<WindowSample> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _samples[_head + i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private void Grow()
    {
        if (_count * 2 <= _samples.Length)
        {
            // At least half of the array is free in front: compact in place.
            Array.Copy(_samples, _head, _samples, 0, _count);
            Array.Copy(_hashes, _head, _hashes, 0, _count);
            Array.Clear(_samples, _count, _samples.Length - _count);
            _head = 0;
            return;
        }

        var size = _samples.Length * 2;
        var samples = new WindowSample[size];
        var hashes = new long[size];
        Array.Copy(_samples, _head, samples, 0, _count);
        Array.Copy(_hashes, _head, hashes, 0, _count);
        _samples = samples;
        _hashes = hashes;
        _head = 0;
    }
}
