Attribute VB_Name = "SakipRibbon"
' Callbacks of the SAKIP ribbon tab (customUI/customUI.xml in this workbook).
' Each one either calls a fixed Python function, named in full below, through xlwings' RunPython,
' or an Excel command. None of them reads a formula or text from a cell and runs it.
' Built from xl_sakip/vba/SakipRibbon.bas by "xl-sakip build": edit that file, not this module.
Option Explicit

' "Buat Ulang Sheet Unit": rewrites the per-unit sheets from the master sheets (Jabatan, Indikator).
Public Sub SakipRegenerate(control As IRibbonControl)
    RunPython "import xl_sakip.macros; xl_sakip.macros.regenerate()"
End Sub

' "Periksa Data": runs the checks and writes their findings into the findings sheet.
Public Sub SakipWriteFindings(control As IRibbonControl)
    RunPython "import xl_sakip.macros; xl_sakip.macros.write_findings()"
End Sub

' "Ekspor PK (PDF)": writes the Perjanjian Kinerja of every position as PDF files next to the workbook.
Public Sub SakipExportPK(control As IRibbonControl)
    RunPython "import xl_sakip.macros; xl_sakip.macros.export_pk()"
End Sub

' "Hitung Ulang": full recalculation of every formula in the open workbooks (no Python needed).
Public Sub SakipRecalculate(control As IRibbonControl)
    Application.CalculateFull
End Sub

' "Petunjuk": shows the instructions sheet (no Python needed).
Public Sub SakipShowInstructions(control As IRibbonControl)
    On Error GoTo missing
    Application.Goto ThisWorkbook.Worksheets("Petunjuk").Range("A1"), True
    Exit Sub
missing:
    MsgBox "Sheet ""Petunjuk"" tidak ditemukan di workbook ini. " & _
           "Jalankan ""xl-sakip build"" untuk membuat ulang workbook.", vbExclamation, "SAKIP"
End Sub
