using System.Buffers;

namespace PgWire.Types;

/// <summary>
/// Decodes and encodes the binary wire form of one PostgreSQL type (or a family of types sharing a form, like the
/// text types). Codecs are stateless singletons: everything they need comes in through their arguments.
/// A codec implements <see cref="IPgReader{T}"/> for every CLR type it can produce and <see cref="IPgWriter{T}"/> for
/// every CLR type it can take.
/// </summary>
internal abstract class PgCodec
{
    /// <summary>The CLR type a value of this codec reads as when no type is requested.</summary>
    public abstract Type DefaultClrType { get; }

    /// <summary>Reads the value as <see cref="DefaultClrType"/>, boxed.</summary>
    public abstract object ReadAsObject(ReadOnlySpan<byte> value);

    /// <summary>Writes a boxed parameter value; false when this codec cannot take the value's CLR type.</summary>
    public abstract bool TryWriteObject(object value, IBufferWriter<byte> writer);

    /// <summary>Whether <see cref="TryWriteObject"/> accepts a value of this CLR type.</summary>
    public abstract bool CanWrite(object value);

    /// <summary>
    /// The codec of arrays of this type, or null when arrays of it are not read in binary. Made by each codec for its
    /// own element type, so no generic type is built at run time (NativeAOT has the code for every one).
    /// </summary>
    public virtual PgCodec? MakeArrayCodec(uint elementOid, string elementName) => null;

    /// <summary>For a range codec: the codec of multiranges of it; null otherwise.</summary>
    public virtual PgCodec? MakeMultirangeCodec(string multirangeName) => null;

    /// <summary>The exception for a value whose length does not fit the type's fixed size.</summary>
    protected static InvalidCastException WrongLength(string type, int expected, int actual) =>
        new($"a {type} value is {expected} bytes on the wire but the server sent {actual}");
}

/// <summary>
/// A codec whose default CLR type is <typeparamref name="T"/>: boxing reads and object writes come from the typed
/// members. Codecs that accept more CLR types override <see cref="TryWriteObject"/>.
/// </summary>
internal abstract class PgCodec<T> : PgCodec, IPgReader<T>, IPgWriter<T>
{
    public override Type DefaultClrType => typeof(T);

    public abstract T Read(ReadOnlySpan<byte> value);

    public abstract void Write(T value, IBufferWriter<byte> writer);

    public override object ReadAsObject(ReadOnlySpan<byte> value) => Read(value)!;

    public override bool CanWrite(object value) => value is T;

    /// <summary>The array codec of the element types PgWire knows (<see cref="ContainerCodecs"/>: named there, never made generically).</summary>
    public override PgCodec? MakeArrayCodec(uint elementOid, string elementName) => ContainerCodecs.Create(this, elementOid, elementName);

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        if (value is not T typed) return false;
        Write(typed, writer);
        return true;
    }
}

/// <summary>
/// A codec whose default CLR type is <typeparamref name="T"/> that also writes <typeparamref name="TAlso"/>, a second
/// CLR form of the same values (TimeSpan for time, PgDate for date...): object writes and <see cref="CanWrite"/> cover
/// both. The second form is written through <see cref="IPgWriter{T}"/> only, so an implicit conversion between the two
/// (DateOnly to PgDate) can never steer a typed write of <typeparamref name="T"/> to it.
/// </summary>
internal abstract class PgCodec<T, TAlso> : PgCodec<T>, IPgWriter<TAlso>
{
    /// <summary>Encodes one non-NULL value of the second form.</summary>
    protected abstract void WriteAlso(TAlso value, IBufferWriter<byte> writer);

    void IPgWriter<TAlso>.Write(TAlso value, IBufferWriter<byte> writer) => WriteAlso(value, writer);

    public override bool CanWrite(object value) => value is T || value is TAlso;

    public override bool TryWriteObject(object value, IBufferWriter<byte> writer)
    {
        switch (value)
        {
            case T typed:
                Write(typed, writer);
                return true;
            case TAlso also:
                WriteAlso(also, writer);
                return true;
            default:
                return false;
        }
    }
}

/// <summary>A codec that can read its type as <typeparamref name="T"/>.</summary>
internal interface IPgReader<T>
{
    /// <summary>Decodes one non-NULL value. Throws <see cref="InvalidCastException"/> when the value cannot be represented as T.</summary>
    T Read(ReadOnlySpan<byte> value);
}

/// <summary>A codec that can write a <typeparamref name="T"/> in its type's binary form.</summary>
internal interface IPgWriter<in T>
{
    /// <summary>Encodes one non-NULL value.</summary>
    void Write(T value, IBufferWriter<byte> writer);
}
