using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Linq.Expressions;

namespace ExoNative
{
    /// <summary>
    /// Base of every record the service returns. A PSObject with ~230 note properties costs
    /// far more to build than the JSON costs to parse, so records are instances of a class
    /// generated for their property list: each property reads a slot of <see cref="Values"/>.
    /// PowerShell adapts them like any .NET object (Format-List, Select-Object, Export-Csv,
    /// property access), caching the member table once per generated class.
    /// </summary>
    public abstract class ExoRecord
    {
        internal object?[] Values = Array.Empty<object?>();
        internal RecordShape Shape = null!;

        protected object? GetValue(int index) => Values[index];

        protected void SetValue(int index, object? value) => Values[index] = value;

        /// <summary>Like Exchange's objects, a record reads as its identity in strings ("$mailbox").</summary>
        public override string ToString()
        {
            foreach (int index in Shape.DisplayIndexes)
            {
                if (Values[index] is object value)
                {
                    return value.ToString() ?? "";
                }
            }
            return Shape.TypeName;
        }
    }

    /// <summary>One generated record class: its property names in the service's order and a factory.</summary>
    internal sealed class RecordShape
    {
        internal RecordShape(string typeName, string[] names, Func<ExoRecord> create)
        {
            TypeName = typeName;
            Names = names;
            Create = create;
            DisplayIndexes = new[] { "Identity", "Name", "DisplayName" }
                .Select(n => Array.IndexOf(names, n)).Where(i => i >= 0).ToArray();
        }

        internal string TypeName { get; }
        internal string[] Names { get; }
        internal Func<ExoRecord> Create { get; }
        internal int[] DisplayIndexes { get; }
    }

    /// <summary>
    /// Generates (once per process for each property list) the record classes. A class for
    /// noun N is named ExoNative.Records.N_k and derives from a generated abstract class named
    /// ExoNative.N, which is the type name the format file's views select (ExoNative.Mailbox).
    /// </summary>
    internal static class RecordShapes
    {
        /// <summary>Beyond this many shapes, records fall back to PSObjects: memory stays bounded whatever the service sends.</summary>
        internal const int MaxShapes = 256;

        private static readonly object s_lock = new();
        private static readonly Dictionary<string, RecordShape> s_shapes = new(StringComparer.Ordinal);
        private static readonly Dictionary<string, Type> s_nounBases = new(StringComparer.Ordinal);
        private static ModuleBuilder? s_module;

        private static readonly MethodInfo s_getValue = typeof(ExoRecord).GetMethod("GetValue", BindingFlags.Instance | BindingFlags.NonPublic)!;
        private static readonly MethodInfo s_setValue = typeof(ExoRecord).GetMethod("SetValue", BindingFlags.Instance | BindingFlags.NonPublic)!;

        /// <summary>The shape for these names, or null when the names cannot be properties or the cap is reached.</summary>
        internal static RecordShape? Get(string typeName, string[] names)
        {
            string key = typeName + "\n" + string.Join("\n", names);
            lock (s_lock)
            {
                if (s_shapes.TryGetValue(key, out RecordShape? shape))
                {
                    return shape;
                }
                if (s_shapes.Count >= MaxShapes || names.Distinct(StringComparer.OrdinalIgnoreCase).Count() != names.Length)
                {
                    return null; // PowerShell member names are case-insensitive: such a record stays a PSObject
                }
                shape = new RecordShape(typeName, names, Emit(typeName, names, s_shapes.Count + 1));
                s_shapes.Add(key, shape);
                return shape;
            }
        }

        private static Func<ExoRecord> Emit(string typeName, string[] names, int number)
        {
            s_module ??= AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("ExoNative.Records"), AssemblyBuilderAccess.Run)
                .DefineDynamicModule("ExoNative.Records");
            Type baseType = NounBase(typeName);
            string noun = typeName[(typeName.LastIndexOf('.') + 1)..];
            TypeBuilder type = s_module.DefineType($"ExoNative.Records.{noun}_{number}",
                TypeAttributes.Public | TypeAttributes.Sealed | TypeAttributes.Class, baseType);
            type.DefineDefaultConstructor(MethodAttributes.Public);
            const MethodAttributes accessor = MethodAttributes.Public | MethodAttributes.SpecialName | MethodAttributes.HideBySig;
            for (int i = 0; i < names.Length; i++)
            {
                PropertyBuilder property = type.DefineProperty(names[i], PropertyAttributes.None, typeof(object), null);
                MethodBuilder get = type.DefineMethod("get_" + names[i], accessor, typeof(object), Type.EmptyTypes);
                ILGenerator il = get.GetILGenerator();
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldc_I4, i);
                il.Emit(OpCodes.Call, s_getValue);
                il.Emit(OpCodes.Ret);
                property.SetGetMethod(get);
                MethodBuilder set = type.DefineMethod("set_" + names[i], accessor, null, new[] { typeof(object) });
                il = set.GetILGenerator();
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Ldc_I4, i);
                il.Emit(OpCodes.Ldarg_1);
                il.Emit(OpCodes.Call, s_setValue);
                il.Emit(OpCodes.Ret);
                property.SetSetMethod(set);
            }
            Type created = type.CreateType()!;
            return Expression.Lambda<Func<ExoRecord>>(Expression.New(created)).Compile();
        }

        /// <summary>The abstract class named like the record type (ExoNative.Mailbox) that every shape of that noun derives from.</summary>
        private static Type NounBase(string typeName)
        {
            if (!s_nounBases.TryGetValue(typeName, out Type? baseType))
            {
                TypeBuilder builder = s_module!.DefineType(typeName, TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Class, typeof(ExoRecord));
                builder.DefineDefaultConstructor(MethodAttributes.Family);
                baseType = builder.CreateType()!;
                s_nounBases.Add(typeName, baseType);
            }
            return baseType;
        }
    }
}
