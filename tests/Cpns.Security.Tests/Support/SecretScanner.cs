using System.Text;
using Microsoft.Data.Sqlite;

namespace Cpns.Security.Tests.Support;

/// <summary>
/// Looks for known secrets in text and bytes: each secret in raw bytes, hex (upper and lower), base64 and base64url;
/// a text secret (API key, token, pairing code) as its UTF-8 text and its dashless form. SQLite databases are read
/// column by column (every table, every row) and also scanned as raw file bytes with their WAL.
/// </summary>
internal sealed class SecretScanner
{
    private readonly List<(string Label, string Form, byte[] Pattern)> _patterns = [];

    public int Count => _patterns.Select(p => p.Label).Distinct().Count();

    /// <summary>A binary secret (key bytes).</summary>
    public void Add(string label, ReadOnlySpan<byte> secret)
    {
        if (secret.Length < 8)
        {
            throw new ArgumentException("Too short to scan for without false positives.", nameof(secret));
        }

        var bytes = secret.ToArray();
        var base64 = Convert.ToBase64String(bytes);
        AddPattern(label, "raw", bytes);
        AddPattern(label, "hex", Encoding.ASCII.GetBytes(Convert.ToHexString(bytes)));
        AddPattern(label, "hex-lower", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(bytes)));
        AddPattern(label, "base64", Encoding.ASCII.GetBytes(base64.TrimEnd('=')));
        AddPattern(label, "base64url", Encoding.ASCII.GetBytes(base64.TrimEnd('=').Replace('+', '-').Replace('/', '_')));
    }

    /// <summary>A text secret (API key, enrollment token, pairing code).</summary>
    public void Add(string label, string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        AddPattern(label, "text", Encoding.UTF8.GetBytes(secret));
        var dashless = secret.Replace("-", string.Empty, StringComparison.Ordinal);
        if (dashless != secret)
        {
            AddPattern(label, "text-dashless", Encoding.UTF8.GetBytes(dashless));
        }
    }

    /// <summary>Every secret found in the bytes, as "label (form) in where".</summary>
    public IEnumerable<string> Find(ReadOnlySpan<byte> haystack, string where)
    {
        var found = new List<string>();
        foreach (var (label, form, pattern) in _patterns)
        {
            if (haystack.IndexOf(pattern) >= 0)
            {
                found.Add($"{label} ({form}) in {where}");
            }
        }

        return found;
    }

    public IEnumerable<string> Find(string text, string where) => Find(Encoding.UTF8.GetBytes(text), where);

    /// <summary>Scans every column of every row of every table of a SQLite database, then its raw file bytes (and WAL).</summary>
    public IEnumerable<string> FindInSqlite(string path)
    {
        var found = new List<string>();
        var cells = 0;
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        {
            connection.Open();
            var tables = new List<string>();
            using (var list = connection.CreateCommand())
            {
                list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
                using var reader = list.ExecuteReader();
                while (reader.Read())
                {
                    tables.Add(reader.GetString(0));
                }
            }

            foreach (var table in tables)
            {
                using var select = connection.CreateCommand();
                select.CommandText = $"SELECT * FROM \"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        cells++;
                        var where = $"{Path.GetFileName(path)} {table}.{reader.GetName(i)}";
                        switch (reader.GetValue(i))
                        {
                            case byte[] blob:
                                found.AddRange(Find(blob, where));
                                break;
                            case DBNull:
                                break;
                            case var value:
                                found.AddRange(Find(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty, where));
                                break;
                        }
                    }
                }
            }
        }

        CellsScanned += cells;
        foreach (var file in new[] { path, path + "-wal", path + "-journal" })
        {
            if (File.Exists(file))
            {
                found.AddRange(Find(ReadShared(file), Path.GetFileName(file) + " (file bytes)"));
            }
        }

        return found;
    }

    /// <summary>How many database cells <see cref="FindInSqlite"/> has read (so a test can show the scan saw data).</summary>
    public int CellsScanned { get; private set; }

    public static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private void AddPattern(string label, string form, byte[] pattern) => _patterns.Add((label, form, pattern));
}
