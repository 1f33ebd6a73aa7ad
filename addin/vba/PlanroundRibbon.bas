Attribute VB_Name = "PlanroundRibbon"
' The ribbon's callbacks: each label picked by Excel's language, and every button passed to one
' Python entry point, planround.addin.ribbon.on_action, through xlwings' RunPython.
Option Explicit

Private Const LANGUAGE_UI As Long = 2  ' msoLanguageIDUI, without a reference to the Office library
Private Const PRIMARY_ENGLISH As Long = 9  ' every English LCID has this primary language id
Private Const PYTHON_ENTRY As String = "import planround.addin.ribbon as r; r.on_action('{id}', {language})"

Private Function ExcelLanguage() As Long
    ExcelLanguage = 1053  ' Swedish, where Excel cannot tell its language
    On Error Resume Next
    ExcelLanguage = Application.LanguageSettings.LanguageID(LANGUAGE_UI)
End Function

Private Function TagPart(control As IRibbonControl, ByVal index As Integer) As String
    ' The tag holds "Swedish label|English label|Swedish tip|English tip".
    Dim parts() As String
    parts = Split(control.Tag, "|")
    If (ExcelLanguage() And &H3FF) = PRIMARY_ENGLISH And index + 1 <= UBound(parts) Then index = index + 1
    If index > UBound(parts) Then index = 0
    TagPart = parts(index)
End Function

Public Sub GetLabel(control As IRibbonControl, ByRef returnedVal)
    returnedVal = TagPart(control, 0)
End Sub

Public Sub GetSupertip(control As IRibbonControl, ByRef returnedVal)
    returnedVal = TagPart(control, 2)
End Sub

Public Sub OnAction(control As IRibbonControl)
    Dim pythonCall As String
    pythonCall = Replace(Replace(PYTHON_ENTRY, "{id}", control.ID), "{language}", CStr(ExcelLanguage()))
    ' RunPython hands Python the active workbook: give it a blank one when none is open.
    If ActiveWorkbook Is Nothing Then Workbooks.Add
    On Error GoTo NoXlwings
    Application.Run "'xlwings.xlam'!RunPython", pythonCall
    Exit Sub
NoXlwings:
    MsgBox "Planering behöver tillägget xlwings: kör ""xlwings addin install"" och starta om Excel." & vbCrLf & _
           "Planning needs the xlwings add-in: run ""xlwings addin install"" and restart Excel." & vbCrLf & vbCrLf & _
           Err.Description, vbExclamation, "Planering"
End Sub
