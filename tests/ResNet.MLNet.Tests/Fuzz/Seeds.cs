using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Fuzz;

/// <summary>Valid seed files of every format and their structure (chunks and header fields), parsed here.</summary>
public static class Seeds
{
    /// <summary>The JPEG and PNG seeds PIL writes (Python/fuzz_seeds.py).</summary>
    public static IReadOnlyList<Seed> Images(string folder, string extension)
    {
        PythonReference.Run("fuzz_seeds.py", folder);
        return Directory.GetFiles(folder, "*" + extension).Order().Select(f =>
        {
            var b = File.ReadAllBytes(f);
            return extension == ".png" ? Png(Path.GetFileName(f), SplitIdat(b)) : Jpeg(Path.GetFileName(f), b);
        }).ToList();
    }

    private static Seed Jpeg(string name, byte[] b)
    {
        var chunks = new List<(int, int)> { (0, 2) };
        var fields = new List<Field>();
        int pos = 2;
        while (pos + 4 <= b.Length && b[pos] == 0xFF)
        {
            byte marker = b[pos + 1];
            int length = BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(pos + 2));
            chunks.Add((pos, 2 + length));
            fields.Add(new Field(pos + 2, 2, FieldKind.U16BE));
            if (marker is 0xC0 or 0xC2)
            {
                fields.Add(new Field(pos + 4, 1, FieldKind.U8));       // precision
                fields.Add(new Field(pos + 5, 2, FieldKind.U16BE));    // height
                fields.Add(new Field(pos + 7, 2, FieldKind.U16BE));    // width
                fields.Add(new Field(pos + 9, 1, FieldKind.U8));       // components
                fields.Add(new Field(pos + 11, 1, FieldKind.U8));      // sampling factors
            }
            if (marker == 0xDA) { chunks.Add((pos + 2 + length, b.Length - 2 - pos - 2 - length)); break; }
            pos += 2 + length;
        }
        chunks.Add((b.Length - 2, 2));
        return new Seed(name, b, chunks, fields);
    }

    private static List<(int Start, int Length)> PngChunks(byte[] b)
    {
        var chunks = new List<(int, int)>();
        for (int pos = 8; pos + 12 <= b.Length;)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(pos));
            if (pos + 12 + length > b.Length) break;
            chunks.Add((pos, 12 + (int)length));
            pos += 12 + (int)length;
        }
        return chunks;
    }

    /// <summary>The PNG with its image data split over three IDAT chunks (libpng must join them).</summary>
    private static byte[] SplitIdat(byte[] b)
    {
        var o = new MemoryStream();
        o.Write(b, 0, 8);
        foreach (var (s, l) in PngChunks(b))
        {
            var type = b.AsSpan(s + 4, 4);
            if (!type.SequenceEqual("IDAT"u8)) { o.Write(b, s, l); continue; }
            var data = b.AsSpan(s + 8, l - 12).ToArray();
            int third = data.Length / 3;
            foreach (var part in new[] { data[..third], data[third..(2 * third)], data[(2 * third)..] }) WritePngChunk(o, "IDAT", part);
        }
        return o.ToArray();
    }

    private static void WritePngChunk(Stream o, string type, byte[] data)
    {
        Span<byte> u32 = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(u32, (uint)data.Length);
        o.Write(u32);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        o.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(u32, Crc32.Of(typeAndData));
        o.Write(u32);
    }

    private static Seed Png(string name, byte[] b)
    {
        var chunks = PngChunks(b);
        var fields = chunks.Select(c => new Field(c.Start, 4, FieldKind.U32BE)).ToList();
        fields.Add(new Field(16, 4, FieldKind.U32BE)); // width
        fields.Add(new Field(20, 4, FieldKind.U32BE)); // height
        fields.Add(new Field(24, 1, FieldKind.U8));    // bit depth
        fields.Add(new Field(25, 1, FieldKind.U8));    // colour type
        fields.Add(new Field(28, 1, FieldKind.U8));    // interlace
        return new Seed(name, b, chunks, fields) { Fixup = (m, _) => FixPngCrcs(m) };
    }

    /// <summary>Recomputes every chunk's CRC, so a mutant reaches libpng's checks past the CRC.</summary>
    private static byte[] FixPngCrcs(byte[] m)
    {
        var b = (byte[])m.Clone();
        foreach (var (s, l) in PngChunks(b))
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(s + l - 4), Crc32.Of(b.AsSpan(s + 4, l - 8)));
        return b;
    }

    /// <summary>A saved model zip: chunks are its local entries, central directory records and end record; fields their
    /// sizes, CRCs, name lengths, offsets and counts.</summary>
    public static Seed ModelZip(string name, byte[] b)
    {
        var chunks = new List<(int, int)>();
        var fields = new List<Field>();
        var starts = new List<int>();
        for (int i = 0; i + 4 <= b.Length; i++)
            if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] is 1 or 3 or 5 && b[i + 3] == b[i + 2] + 1) starts.Add(i);
        for (int k = 0; k < starts.Count; k++)
        {
            int s = starts[k], end = k + 1 < starts.Count ? starts[k + 1] : b.Length;
            chunks.Add((s, end - s));
            switch (b[s + 2])
            {
                case 3: // local header: crc, compressed, uncompressed, name length
                    fields.AddRange(new[] { new Field(s + 14, 4, FieldKind.U32LE), new Field(s + 18, 4, FieldKind.U32LE), new Field(s + 22, 4, FieldKind.U32LE), new Field(s + 26, 2, FieldKind.U16LE) });
                    break;
                case 1: // central record: crc, sizes, name length, local header offset
                    fields.AddRange(new[] { new Field(s + 16, 4, FieldKind.U32LE), new Field(s + 20, 4, FieldKind.U32LE), new Field(s + 24, 4, FieldKind.U32LE), new Field(s + 28, 2, FieldKind.U16LE), new Field(s + 42, 4, FieldKind.U32LE) });
                    break;
                case 5: // end record: entry counts, directory size and offset
                    fields.AddRange(new[] { new Field(s + 8, 2, FieldKind.U16LE), new Field(s + 10, 2, FieldKind.U16LE), new Field(s + 12, 4, FieldKind.U32LE), new Field(s + 16, 4, FieldKind.U32LE) });
                    break;
            }
        }
        return new Seed(name, b, chunks, fields);
    }

    /// <summary>The same zip rebuilt with its entries reversed, and with one entry stored twice: well-formed zips
    /// ML.NET did not write.</summary>
    public static IEnumerable<Seed> RebuiltZips(byte[] b)
    {
        var entries = new List<(string Name, byte[] Data)>();
        using (var zip = new ZipArchive(new MemoryStream(b), ZipArchiveMode.Read))
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                var m = new MemoryStream();
                s.CopyTo(m);
                entries.Add((e.FullName, m.ToArray()));
            }
        var largest = entries.OrderByDescending(e => e.Data.Length).First();
        foreach (var (name, list) in new[] { ("reversed.zip", Enumerable.Reverse(entries).ToList()), ("duplicated.zip", entries.Append(largest).ToList()) })
        {
            var o = new MemoryStream();
            using (var zip = new ZipArchive(o, ZipArchiveMode.Create, leaveOpen: true))
                foreach (var (entryName, data) in list)
                {
                    using var s = zip.CreateEntry(entryName).Open();
                    s.Write(data);
                }
            yield return ModelZip(name, o.ToArray());
        }
    }

    /// <summary>A small safetensors file: chunks are the length prefix, the JSON header and each tensor's bytes.</summary>
    public static IEnumerable<Seed> SafeTensorsFiles()
    {
        var m = new MemoryStream();
        using (var scope = TensorScope.Begin())
            SafeTensors.Save(m, new Dictionary<string, Tensor>
            {
                ["conv1.weight"] = Tensor.Randn(new long[] { 2, 1, 3, 3 }),
                ["fc.bias"] = Tensor.Randn(new long[] { 3 }),
                ["bn.num_batches_tracked"] = Tensor.FromArray(new long[] { 5 }),
            }, new Dictionary<string, string> { ["format"] = "pt" });
        var b = m.ToArray();
        int header = (int)BinaryPrimitives.ReadUInt64LittleEndian(b);
        var chunks = new List<(int, int)> { (0, 8), (8, header) };
        var json = Encoding.UTF8.GetString(b, 8, header);
        foreach (var (begin, end) in new[] { (0, 72), (72, 84), (84, 92) }) chunks.Add((8 + header + begin, end - begin));
        yield return new Seed("weights.safetensors", b, chunks, new[] { new Field(0, 8, FieldKind.U64LE) });
        // Numbers in the JSON header at extremes, the prefix kept consistent: the parser's checks, not the prefix's.
        int n = 0;
        foreach (System.Text.RegularExpressions.Match number in System.Text.RegularExpressions.Regex.Matches(json, "[0-9]+"))
            foreach (var value in new[] { "0", "1", "-1", "18446744073709551615", "9223372036854775807", "4611686018427387904", "1e308", "null" })
                yield return new Seed($"json-{n++}.safetensors", WithHeader(json[..number.Index] + value + json[(number.Index + number.Length)..], b[(8 + header)..]), chunks, Array.Empty<Field>());
        // A tensor named twice, and entries in another order.
        int first = json.IndexOf("\"conv1.weight\"", StringComparison.Ordinal), close = json.IndexOf('}', first) + 1;
        var entry = json[first..close];
        yield return new Seed("duplicate.safetensors", WithHeader(json.Insert(close, "," + entry), b[(8 + header)..]), chunks, Array.Empty<Field>());
        yield return new Seed("reordered.safetensors", WithHeader("{" + entry + "," + json[1..first].TrimEnd(',') + json[close..].TrimStart(','), b[(8 + header)..]), chunks, Array.Empty<Field>());
    }

    private static byte[] WithHeader(string json, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        return prefix.Concat(header).Concat(data).ToArray();
    }

    /// <summary>An ONNX graph: chunks are its top-level protobuf fields and the graph's own fields (nodes,
    /// initializers, inputs, outputs); fields the length varints of those.</summary>
    public static Seed Onnx(string name, byte[] b)
    {
        var chunks = new List<(int, int)>();
        var fields = new List<Field>();
        void Walk(int start, int end, bool recurse)
        {
            int pos = start;
            while (pos < end)
            {
                int fieldStart = pos;
                ulong tag = ReadVarint(b, ref pos);
                int wire = (int)(tag & 7);
                switch (wire)
                {
                    case 0: ReadVarint(b, ref pos); break;
                    case 1: pos += 8; break;
                    case 5: pos += 4; break;
                    case 2:
                        int lengthAt = pos;
                        int length = (int)ReadVarint(b, ref pos);
                        fields.Add(new Field(lengthAt, pos - lengthAt, FieldKind.Varint));
                        if (recurse && tag >> 3 == 7) Walk(pos, pos + length, recurse: false); // ModelProto.graph
                        pos += length;
                        break;
                    default: return;
                }
                chunks.Add((fieldStart, pos - fieldStart));
            }
        }
        Walk(0, b.Length, recurse: true);
        return new Seed(name, b, chunks, fields);
    }

    private static ulong ReadVarint(byte[] b, ref int pos)
    {
        ulong v = 0;
        for (int shift = 0; pos < b.Length; shift += 7)
        {
            byte x = b[pos++];
            v |= (ulong)(x & 0x7F) << shift;
            if ((x & 0x80) == 0) break;
        }
        return v;
    }

    /// <summary>An IDX image file of 6 images of 5×4 (plain, and gzip-compressed with the structure of the plain one).</summary>
    public static IEnumerable<Seed> Idx()
    {
        var b = new byte[] { 0, 0, 8, 3, 0, 0, 0, 6, 0, 0, 0, 5, 0, 0, 0, 4 }.Concat(Enumerable.Range(0, 120).Select(i => (byte)(i * 3))).ToArray();
        var chunks = new List<(int, int)> { (0, 4), (4, 4), (8, 4), (12, 4) };
        for (int i = 0; i < 6; i++) chunks.Add((16 + 20 * i, 20));
        var fields = new[] { new Field(2, 1, FieldKind.U8), new Field(3, 1, FieldKind.U8), new Field(4, 4, FieldKind.U32BE), new Field(8, 4, FieldKind.U32BE), new Field(12, 4, FieldKind.U32BE) };
        yield return new Seed("images.idx", b, chunks, fields);
        yield return new Seed("labels.idx", new byte[] { 0, 0, 8, 1, 0, 0, 0, 6, 0, 1, 2, 3, 4, 5 }, new[] { (0, 4), (4, 4), (8, 6) }, new[] { new Field(3, 1, FieldKind.U8), new Field(4, 4, FieldKind.U32BE) });
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Optimal, leaveOpen: true)) z.Write(b);
        var g = gz.ToArray();
        yield return new Seed("images.idx.gz", g, new[] { (0, 10), (10, g.Length - 18), (g.Length - 8, 8) }, new[] { new Field(g.Length - 4, 4, FieldKind.U32LE) });
    }

    /// <summary>Three CIFAR-10 records: chunks are the records, fields the label bytes.</summary>
    public static Seed Cifar()
    {
        const int record = 3073;
        var b = new byte[3 * record];
        new Random(3).NextBytes(b);
        for (int i = 0; i < 3; i++) b[i * record] = (byte)(i * 4);
        return new Seed("batch.bin", b, Enumerable.Range(0, 3).Select(i => (i * record, record)).ToList(),
            Enumerable.Range(0, 3).Select(i => new Field(i * record, 1, FieldKind.U8)).ToList());
    }

    /// <summary>An image list with quoting: chunks are its lines.</summary>
    public static Seed Csv()
    {
        var text = "ImagePath,Label,Note\na/1.png,cat,\"quoted, with comma\"\n\"b/2.jpg\",dog,plain\nc/3.png,\"a \"\"quoted\"\" label\",x\nd/4.png,cat,\n";
        var b = Encoding.UTF8.GetBytes(text);
        var chunks = new List<(int, int)>();
        for (int start = 0; start < b.Length;)
        {
            int end = Array.IndexOf(b, (byte)'\n', start) + 1;
            chunks.Add((start, end - start));
            start = end;
        }
        return new Seed("list.csv", b, chunks, Array.Empty<Field>());
    }

    /// <summary>PNG's CRC-32 (ISO 3309, reflected polynomial 0xEDB88320).</summary>
    private static class Crc32
    {
        private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
        {
            uint c = (uint)n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            return c;
        }).ToArray();

        public static uint Of(ReadOnlySpan<byte> data)
        {
            uint c = 0xFFFFFFFF;
            foreach (var x in data) c = Table[(c ^ x) & 0xFF] ^ (c >> 8);
            return c ^ 0xFFFFFFFF;
        }
    }
}
