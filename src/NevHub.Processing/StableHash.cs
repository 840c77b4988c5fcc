namespace NevHub.Processing;

/// <summary>FNV-1a over a string's UTF-16 code units: stable across processes and machines, unlike string.GetHashCode.</summary>
public static class StableHash
{
    public static uint Fnv1a(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = (hash ^ (c & 0xFFu)) * 16777619u;
            hash = (hash ^ ((uint)c >> 8)) * 16777619u;
        }

        return hash;
    }
}
