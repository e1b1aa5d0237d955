using System.Buffers.Binary;

namespace ResNet.MLNet.Tests.Fuzz;

/// <summary>How a header field is stored, so it can be set to extremes.</summary>
public enum FieldKind { U8, U16LE, U16BE, U32LE, U32BE, U64LE, Varint }

/// <summary>A header field of a seed file.</summary>
public readonly record struct Field(int Offset, int Width, FieldKind Kind);

/// <summary>A valid file and its structure: chunk ranges (for truncation at every boundary, duplication and
/// reordering) and header fields (set to 0, 1 and their maximum).</summary>
public sealed record Seed(string Name, byte[] Bytes, IReadOnlyList<(int Start, int Length)> Chunks, IReadOnlyList<Field> Fields)
{
    /// <summary>Applied to every mutant before it is written (e.g. PNG CRCs recomputed, so deeper decoder paths run).</summary>
    public Func<byte[], Random, byte[]>? Fixup { get; init; }
}

/// <summary>A seeded mutation fuzzer: truncation at and around every chunk boundary, header fields at extremes, chunks
/// duplicated, dropped and swapped, and random bit flips. The same seed gives the same cases.</summary>
public static class Mutator
{
    /// <summary><paramref name="count"/> mutants of <paramref name="seed"/>, the kinds taken in turn (truncations,
    /// extremes, chunk edits, bit flips), so a small count still covers every kind.</summary>
    public static IEnumerable<(string Kind, byte[] Bytes)> Cases(Seed seed, int count, int rngSeed)
    {
        var rng = new Random(rngSeed);
        var kinds = new List<IEnumerator<(string, byte[])>>
        {
            Truncations(seed).GetEnumerator(), Extremes(seed).GetEnumerator(), ChunkEdits(seed).GetEnumerator(), Flips(seed, rng).GetEnumerator(),
        };
        int produced = 0;
        while (produced < count && kinds.Count > 0)
            for (int k = 0; k < kinds.Count && produced < count;)
            {
                if (!kinds[k].MoveNext()) { kinds.RemoveAt(k); continue; }
                var (kind, bytes) = kinds[k].Current;
                produced++;
                k++;
                yield return (kind, seed.Fixup != null && rng.Next(2) == 0 ? seed.Fixup(bytes, rng) : bytes);
            }
    }

    /// <summary>Truncation at, just before and just after every chunk and field boundary.</summary>
    private static IEnumerable<(string, byte[])> Truncations(Seed seed)
    {
        var b = seed.Bytes;
        var cuts = new SortedSet<int> { 0, 1, b.Length - 1 };
        foreach (var (start, length) in seed.Chunks)
            foreach (var at in new[] { start - 1, start, start + 1, start + length - 1, start + length, start + length + 1 })
                if (at >= 0 && at < b.Length) cuts.Add(at);
        foreach (var f in seed.Fields)
            foreach (var at in new[] { f.Offset, f.Offset + f.Width })
                if (at < b.Length) cuts.Add(at);
        foreach (var at in cuts) yield return ("truncate", b[..at]);
    }

    /// <summary>Every header field set to 0, 1, its maximum and half of it.</summary>
    private static IEnumerable<(string, byte[])> Extremes(Seed seed)
    {
        foreach (var f in seed.Fields)
            foreach (var value in new[] { 0UL, 1UL, ulong.MaxValue, ulong.MaxValue >> 1 })
                yield return ("extreme", SetField(seed.Bytes, f, value));
    }

    /// <summary>Every chunk duplicated and dropped, and swapped with the next.</summary>
    private static IEnumerable<(string, byte[])> ChunkEdits(Seed seed)
    {
        var b = seed.Bytes;
        var chunks = seed.Chunks;
        for (int i = 0; i < chunks.Count; i++)
        {
            var (s, l) = chunks[i];
            yield return ("duplicate", Splice(b, s + l, 0, b.AsSpan(s, l).ToArray()));
            yield return ("drop", Splice(b, s, l, Array.Empty<byte>()));
            if (i + 1 < chunks.Count && chunks[i + 1].Start == s + l)
            {
                var (s2, l2) = chunks[i + 1];
                yield return ("swap", Splice(b, s, l + l2, b.AsSpan(s2, l2).ToArray().Concat(b.AsSpan(s, l).ToArray()).ToArray()));
            }
        }
    }

    private static IEnumerable<(string, byte[])> Flips(Seed seed, Random rng)
    {
        while (true)
        {
            var b = (byte[])seed.Bytes.Clone();
            int flips = 1 + rng.Next(8);
            // Half the flips land in the first KiB, where the headers are.
            for (int i = 0; i < flips; i++)
            {
                int at = rng.Next(2) == 0 ? rng.Next(Math.Min(1024, b.Length)) : rng.Next(b.Length);
                b[at] ^= (byte)(1 << rng.Next(8));
            }
            yield return ("bitflip", b);
        }
    }

    private static byte[] Splice(byte[] b, int at, int remove, byte[] insert) =>
        b[..at].Concat(insert).Concat(b[(at + remove)..]).ToArray();

    private static byte[] SetField(byte[] source, Field f, ulong value)
    {
        if (f.Kind == FieldKind.Varint)
        {
            var encoded = new List<byte>();
            do { byte v = (byte)(value & 0x7F); value >>= 7; encoded.Add(value != 0 ? (byte)(v | 0x80) : v); } while (value != 0);
            return Splice(source, f.Offset, f.Width, encoded.ToArray());
        }
        var b = (byte[])source.Clone();
        var span = b.AsSpan(f.Offset);
        switch (f.Kind)
        {
            case FieldKind.U8: span[0] = (byte)Math.Min(value, byte.MaxValue); break;
            case FieldKind.U16LE: BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)Math.Min(value, ushort.MaxValue)); break;
            case FieldKind.U16BE: BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)Math.Min(value, ushort.MaxValue)); break;
            case FieldKind.U32LE: BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)Math.Min(value, uint.MaxValue)); break;
            case FieldKind.U32BE: BinaryPrimitives.WriteUInt32BigEndian(span, (uint)Math.Min(value, uint.MaxValue)); break;
            case FieldKind.U64LE: BinaryPrimitives.WriteUInt64LittleEndian(span, value); break;
        }
        return b;
    }
}
