using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace ExoNative
{
    /// <summary>One page from exo_pager_next, turned into PowerShell objects.</summary>
    internal sealed class Page
    {
        internal readonly List<object> Records = new();
        internal readonly List<string> Warnings = new();
        internal readonly List<string> Log = new();
        internal readonly List<string> Debug = new();
        internal string? RequestId;
    }

    /// <summary>
    /// Turns page JSON ({"value":[records],"warnings":[...],"log":[...],"requestId":...}) into
    /// PSObjects. This is the hot path (100,000 records x ~230 properties), so it reads with
    /// Utf8JsonReader, reuses property-name strings between records (the service sends the
    /// same names in the same order), and adds note properties without PowerShell's duplicate
    /// checks (a record's names are unique JSON keys).
    ///
    /// Typing follows the OData annotations that precede a value ("P@odata.type",
    /// "P@data.type"), which are dropped: #Collection(...) -> array (string[] for strings),
    /// System.Guid/#Guid -> Guid, System.DateTime -> DateTime (UTC); JSON true/false -> bool,
    /// integers -> int or long; everything else stays a string.
    /// </summary>
    internal sealed class RecordConverter
    {
        private enum Hint : byte { None, Guid, DateTime, Collection }

        private static readonly object s_true = true;
        private static readonly object s_false = false;
        private static readonly object[] s_smallInts = CreateSmallInts();

        private readonly string? _typeName;
        private byte[][] _nameBytes = new byte[256][];
        private string[] _names = new string[256];

        // The record being read, and the generated class the previous record used.
        private object?[] _values = new object?[256];
        private string[] _recordNames = new string[256];
        private RecordShape? _shape;

        // The annotation waiting for its property: name bytes before '@', and what it says.
        private readonly byte[] _pendingName = new byte[512];
        private int _pendingLength = -1;
        private Hint _pendingHint;
        private Hint _pendingElementHint;

        internal RecordConverter(string? typeName) => _typeName = typeName;

        internal void ReadPage(ReadOnlySpan<byte> json, Page page)
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("A page from exo_core is not a JSON object.");
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("value"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartArray)
                    {
                        reader.Skip();
                        continue;
                    }
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        if (reader.TokenType == JsonTokenType.StartObject)
                        {
                            page.Records.Add(ReadRecord(ref reader));
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                else if (reader.ValueTextEquals("warnings"u8))
                {
                    reader.Read();
                    ReadStrings(ref reader, page.Warnings);
                }
                else if (reader.ValueTextEquals("log"u8))
                {
                    reader.Read();
                    ReadStrings(ref reader, page.Log);
                }
                else if (reader.ValueTextEquals("debug"u8))
                {
                    reader.Read();
                    ReadStrings(ref reader, page.Debug);
                }
                else if (reader.ValueTextEquals("requestId"u8))
                {
                    reader.Read();
                    page.RequestId = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        private static void ReadStrings(ref Utf8JsonReader reader, List<string> into)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                return;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.String)
                {
                    into.Add(reader.GetString()!);
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        /// <summary>
        /// Reads one top-level record (the reader is on its StartObject) into an instance of the
        /// generated class for its property list; a record no class can hold stays a PSObject.
        /// </summary>
        private object ReadRecord(ref Utf8JsonReader reader)
        {
            var start = reader; // a copy: the fallback re-reads the record the slow way
            int count = 0;
            _pendingLength = -1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueIsEscaped || _typeName == null)
                {
                    return Fallback(ref reader, start);
                }
                ReadOnlySpan<byte> name = reader.ValueSpan;
                int at = name.IndexOf((byte)'@');
                if (at >= 0)
                {
                    ReadAnnotation(ref reader, name, at);
                    continue;
                }
                (Hint hint, Hint elementHint) = TakePendingHints(name);
                string propertyName = CachedName(count, name);
                reader.Read();
                if (count == _values.Length)
                {
                    Array.Resize(ref _values, count * 2);
                    Array.Resize(ref _recordNames, count * 2);
                }
                _recordNames[count] = propertyName;
                _values[count] = ReadValue(ref reader, hint, elementHint);
                count++;
            }

            RecordShape? shape = _shape;
            if (shape == null || !SameNames(shape.Names, count))
            {
                shape = _shape = RecordShapes.Get(_typeName!, _recordNames.AsSpan(0, count).ToArray());
                if (shape == null)
                {
                    return Fallback(ref reader, start);
                }
            }
            ExoRecord record = shape.Create();
            record.Shape = shape;
            record.Values = _values.AsSpan(0, count).ToArray();
            Array.Clear(_values, 0, count);
            return record;
        }

        private bool SameNames(string[] names, int count)
        {
            if (names.Length != count)
            {
                return false;
            }
            for (int i = 0; i < count; i++)
            {
                if (!string.Equals(names[i], _recordNames[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>Re-reads the record from its start as a PSObject with note properties.</summary>
        private PSObject Fallback(ref Utf8JsonReader reader, Utf8JsonReader start)
        {
            reader = start;
            return ReadObject(ref reader, _typeName, cacheNames: false);
        }

        /// <summary>Reads the object the reader is on (StartObject) into a PSObject.</summary>
        private PSObject ReadObject(ref Utf8JsonReader reader, string? typeName, bool cacheNames)
        {
            var obj = new PSObject();
            if (typeName != null)
            {
                obj.TypeNames.Insert(0, typeName);
            }
            var properties = obj.Properties;
            int index = 0;
            _pendingLength = -1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueIsEscaped)
                {
                    // Rare: names with escapes are read the slow way and never cached.
                    string escaped = reader.GetString()!;
                    reader.Read();
                    if (escaped.Contains('@'))
                    {
                        reader.Skip();
                        continue;
                    }
                    properties.Add(new PSNoteProperty(escaped, ReadValue(ref reader, Hint.None, Hint.None)), true);
                    continue;
                }

                ReadOnlySpan<byte> name = reader.ValueSpan;
                int at = name.IndexOf((byte)'@');
                if (at >= 0)
                {
                    ReadAnnotation(ref reader, name, at);
                    continue;
                }

                (Hint hint, Hint elementHint) = TakePendingHints(name);

                string propertyName = cacheNames ? CachedName(index, name) : Encoding.UTF8.GetString(name);
                index++;
                reader.Read();
                properties.Add(new PSNoteProperty(propertyName, ReadValue(ref reader, hint, elementHint)), true);
            }
            return obj;
        }

        /// <summary>"P@odata.type": "#Collection(String)" and the like: remember what it says about P.</summary>
        /// <summary>The annotation read just before this property, if it was about this property.</summary>
        private (Hint, Hint) TakePendingHints(ReadOnlySpan<byte> name)
        {
            bool mine = _pendingLength >= 0 && name.SequenceEqual(_pendingName.AsSpan(0, _pendingLength));
            _pendingLength = -1;
            return mine ? (_pendingHint, _pendingElementHint) : (Hint.None, Hint.None);
        }

        private void ReadAnnotation(ref Utf8JsonReader reader, ReadOnlySpan<byte> name, int at)
        {
            ReadOnlySpan<byte> target = name[..at];
            bool sameTarget = _pendingLength >= 0 && target.SequenceEqual(_pendingName.AsSpan(0, _pendingLength));
            if (!sameTarget)
            {
                _pendingHint = Hint.None;
                _pendingElementHint = Hint.None;
                _pendingLength = -1;
                if (at > 0 && target.Length <= _pendingName.Length)
                {
                    target.CopyTo(_pendingName);
                    _pendingLength = target.Length;
                }
            }
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                reader.Skip();
                return;
            }
            ReadOnlySpan<byte> type = reader.ValueSpan;
            if (type.StartsWith("#Collection("u8))
            {
                _pendingHint = Hint.Collection;
                _pendingElementHint = Classify(type["#Collection(".Length..].TrimEnd((byte)')'));
            }
            else if (_pendingHint == Hint.None)
            {
                _pendingHint = Classify(type);
            }
        }

        private static Hint Classify(ReadOnlySpan<byte> type)
        {
            if (type.SequenceEqual("System.Guid"u8) || type.SequenceEqual("#Guid"u8) || type.SequenceEqual("Guid"u8) || type.SequenceEqual("Edm.Guid"u8))
            {
                return Hint.Guid;
            }
            if (type.SequenceEqual("System.DateTime"u8) || type.SequenceEqual("#DateTime"u8) || type.SequenceEqual("#DateTimeOffset"u8)
                || type.SequenceEqual("DateTimeOffset"u8) || type.SequenceEqual("Edm.DateTimeOffset"u8))
            {
                return Hint.DateTime;
            }
            return Hint.None;
        }

        private object? ReadValue(ref Utf8JsonReader reader, Hint hint, Hint elementHint)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    if (hint == Hint.Guid && reader.TryGetGuid(out Guid guid))
                    {
                        return guid;
                    }
                    if (hint == Hint.DateTime && reader.TryGetDateTimeOffset(out DateTimeOffset date))
                    {
                        return date.UtcDateTime;
                    }
                    return reader.GetString();
                case JsonTokenType.True:
                    return s_true;
                case JsonTokenType.False:
                    return s_false;
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.Number:
                    if (reader.TryGetInt32(out int i))
                    {
                        return (uint)(i + 1) < (uint)s_smallInts.Length ? s_smallInts[i + 1] : i;
                    }
                    if (reader.TryGetInt64(out long l))
                    {
                        return l;
                    }
                    return reader.GetDouble();
                case JsonTokenType.StartArray:
                    return ReadArray(ref reader, hint == Hint.Collection ? elementHint : Hint.None);
                case JsonTokenType.StartObject:
                    // Exchange's GenericHashTable and other nested values: an untyped PSObject.
                    _pendingLength = -1;
                    return ReadObject(ref reader, null, cacheNames: false);
                default:
                    reader.Skip();
                    return null;
            }
        }

        private object ReadArray(ref Utf8JsonReader reader, Hint elementHint)
        {
            // Most multi-valued properties are string collections: fill a string list and
            // fall back to object[] only when another kind of value shows up.
            List<string>? strings = null;
            List<object?>? objects = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (objects == null && reader.TokenType == JsonTokenType.String && elementHint == Hint.None)
                {
                    (strings ??= new List<string>()).Add(reader.GetString()!);
                    continue;
                }
                if (objects == null)
                {
                    objects = new List<object?>();
                    if (strings != null)
                    {
                        objects.AddRange(strings);
                    }
                }
                objects.Add(ReadValue(ref reader, elementHint, Hint.None));
            }
            if (objects != null)
            {
                return objects.ToArray();
            }
            return strings == null ? Array.Empty<string>() : strings.ToArray();
        }

        private string CachedName(int index, ReadOnlySpan<byte> name)
        {
            if (index >= _names.Length)
            {
                Array.Resize(ref _names, _names.Length * 2);
                Array.Resize(ref _nameBytes, _nameBytes.Length * 2);
            }
            byte[]? known = _nameBytes[index];
            if (known != null && name.SequenceEqual(known))
            {
                return _names[index];
            }
            string text = Encoding.UTF8.GetString(name);
            _nameBytes[index] = name.ToArray();
            _names[index] = text;
            return text;
        }

        private static object[] CreateSmallInts()
        {
            var ints = new object[1026];
            for (int i = 0; i < ints.Length; i++)
            {
                ints[i] = i - 1;
            }
            return ints;
        }
    }
}
