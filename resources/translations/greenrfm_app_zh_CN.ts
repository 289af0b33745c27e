<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>DemoRun</name>
    <message>
        <source>The bundled demo model was not found, so the demo study opens without a prediction.</source>
        <translation>未找到内置演示模型，因此演示检查将在没有预测的情况下打开。</translation>
    </message>
</context>
<context>
    <name>FindingsChart</name>
    <message>
        <source>Probability</source>
        <translation>概率</translation>
    </message>
</context>
<context>
    <name>FindingsPanel</name>
    <message>
        <source>Model used for Predict</source>
        <translation>用于预测的模型</translation>
    </message>
    <message>
        <source>Open...</source>
        <translation>打开...</translation>
    </message>
    <message>
        <source>Open a model folder (manifest.json + model.safetensors)</source>
        <translation>打开模型文件夹（manifest.json + model.safetensors）</translation>
    </message>
    <message>
        <source>Predict</source>
        <translation>预测</translation>
    </message>
    <message>
        <source>Run the model on the open study</source>
        <translation>在当前检查上运行模型</translation>
    </message>
    <message>
        <source>Finding</source>
        <translation>征象</translation>
    </message>
    <message>
        <source>Probability</source>
        <translation>概率</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <source>bundled</source>
        <translation>内置</translation>
    </message>
    <message>
        <source>library</source>
        <translation>模型库</translation>
    </message>
    <message>
        <source>folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>No model available. Open a model folder or train one.</source>
        <translation>没有可用的模型。请打开模型文件夹或训练一个模型。</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Task: {task}</source>
        <translation>任务：{task}</translation>
    </message>
    <message>
        <source>Findings: {count}</source>
        <translation>征象数：{count}</translation>
    </message>
    <message>
        <source>Created: {created}</source>
        <translation>创建时间：{created}</translation>
    </message>
    <message>
        <source>Folder: {folder}</source>
        <translation>文件夹：{folder}</translation>
    </message>
    <message>
        <source>Validation macro AUROC: {value:.3f}</source>
        <translation>验证集宏平均 AUROC：{value:.3f}</translation>
    </message>
    <message>
        <source>Trained on synthetic phantoms only.</source>
        <translation>仅使用合成体模训练。</translation>
    </message>
    <message>
        <source>Not for clinical use.</source>
        <translation>不得用于临床。</translation>
    </message>
    <message>
        <source>positive</source>
        <translation>阳性</translation>
    </message>
    <message>
        <source>negative</source>
        <translation>阴性</translation>
    </message>
    <message>
        <source>{positives} of {count} findings above threshold.</source>
        <translation>{count} 个征象中有 {positives} 个高于阈值。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>GreenRFM Studio</source>
        <translation>GreenRFM Studio</translation>
    </message>
    <message>
        <source>Studies</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>征象</translation>
    </message>
    <message>
        <source>Open a folder of DICOM files</source>
        <translation>打开 DICOM 文件夹</translation>
    </message>
    <message>
        <source>Open DICOMDIR</source>
        <translation>打开 DICOMDIR</translation>
    </message>
    <message>
        <source>DICOMDIR (DICOMDIR);;All files (*)</source>
        <translation>DICOMDIR (DICOMDIR);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open NIfTI</source>
        <translation>打开 NIfTI</translation>
    </message>
    <message>
        <source>NIfTI images (*.nii *.nii.gz);;All files (*)</source>
        <translation>NIfTI 图像 (*.nii *.nii.gz);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Not found: {path}. It may have been moved or deleted.</source>
        <translation>未找到：{path}。它可能已被移动或删除。</translation>
    </message>
    <message>
        <source>A scan is already running. Cancel it first.</source>
        <translation>已有扫描正在进行。请先取消它。</translation>
    </message>
    <message>
        <source>Folder not found: {path}</source>
        <translation>未找到文件夹：{path}</translation>
    </message>
    <message>
        <source>Scanning {path} failed: {error}</source>
        <translation>扫描 {path} 失败：{error}</translation>
    </message>
    <message>
        <source>Scan cancelled; the study browser lists the series found so far.</source>
        <translation>扫描已取消；检查浏览器中列出了目前找到的序列。</translation>
    </message>
    <message>
        <source>No DICOM images found in {path} ({files} files, {other} not DICOM). Choose the folder that contains the study&apos;s .dcm files.</source>
        <translation>在 {path} 中未找到 DICOM 图像（共 {files} 个文件，{other} 个不是 DICOM）。请选择包含该检查 .dcm 文件的文件夹。</translation>
    </message>
    <message>
        <source>The scan found problems; see the Warnings tab of the study browser.</source>
        <translation>扫描发现问题；请查看检查浏览器的“警告”页。</translation>
    </message>
    <message>
        <source>Loading {series}...</source>
        <translation>正在加载 {series}...</translation>
    </message>
    <message>
        <source>Could not open {series}: {error}</source>
        <translation>无法打开 {series}：{error}</translation>
    </message>
    <message>
        <source>Could not open {path}: {error}</source>
        <translation>无法打开 {path}：{error}</translation>
    </message>
    <message>
        <source>{modality} {description} | {shape} voxels | {spacing} mm</source>
        <translation>{modality} {description} | {shape} 体素 | {spacing} mm</translation>
    </message>
    <message>
        <source>Voxel ({i}, {j}, {k}) = {value:.0f}</source>
        <translation>体素 ({i}, {j}, {k}) = {value:.0f}</translation>
    </message>
    <message>
        <source>About GreenRFM Studio</source>
        <translation>关于 GreenRFM Studio</translation>
    </message>
    <message>
        <source>&lt;h3&gt;GreenRFM Studio {version}&lt;/h3&gt;&lt;p&gt;Train and run compact radiology foundation models (GreenRFM) on local CT and MRI studies.&lt;/p&gt;&lt;p&gt;&lt;b&gt;Not for clinical use.&lt;/b&gt; Research software: predictions and heat maps must not be used for diagnosis or treatment decisions.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;GreenRFM Studio {version}&lt;/h3&gt;&lt;p&gt;在本地 CT 和 MRI 检查上训练并运行紧凑型放射学基础模型（GreenRFM）。&lt;/p&gt;&lt;p&gt;&lt;b&gt;不得用于临床。&lt;/b&gt;本软件仅供研究：预测结果和热图不得用于诊断或治疗决策。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open &amp;folder...</source>
        <translation>打开文件夹(&amp;F)...</translation>
    </message>
    <message>
        <source>Open &amp;DICOMDIR...</source>
        <translation>打开 DICOMDIR(&amp;D)...</translation>
    </message>
    <message>
        <source>Open &amp;NIfTI...</source>
        <translation>打开 NIfTI(&amp;N)...</translation>
    </message>
    <message>
        <source>&amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <source>Findings as &amp;CSV...</source>
        <translation>征象导出为 CSV(&amp;C)...</translation>
    </message>
    <message>
        <source>Findings as &amp;JSON...</source>
        <translation>征象导出为 JSON(&amp;J)...</translation>
    </message>
    <message>
        <source>&amp;PDF report...</source>
        <translation>PDF 报告(&amp;P)...</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Window &amp;presets</source>
        <translation>窗宽窗位预设(&amp;P)</translation>
    </message>
    <message>
        <source>{name} (L {level:g} / W {window:g})</source>
        <translation>{name}（窗位 {level:g} / 窗宽 {window:g}）</translation>
    </message>
    <message>
        <source>Automatic (MRI percentiles)</source>
        <translation>自动（MRI 百分位数）</translation>
    </message>
    <message>
        <source>&amp;Reset view</source>
        <translation>重置视图(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Hide heat map</source>
        <translation>隐藏热图(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Open model folder...</source>
        <translation>打开模型文件夹(&amp;O)...</translation>
    </message>
    <message>
        <source>&amp;Refresh model list</source>
        <translation>刷新模型列表(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Predict</source>
        <translation>预测(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Training</source>
        <translation>训练(&amp;T)</translation>
    </message>
    <message>
        <source>&amp;Train a model...</source>
        <translation>训练模型(&amp;T)...</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About GreenRFM Studio</source>
        <translation>关于 GreenRFM Studio(&amp;A)</translation>
    </message>
</context>
<context>
    <name>MessageArea</name>
    <message>
        <source>Close this message</source>
        <translation>关闭此消息</translation>
    </message>
</context>
<context>
    <name>PdfReport</name>
    <message>
        <source>Generated {time} by GreenRFM Studio</source>
        <translation>由 GreenRFM Studio 于 {time} 生成</translation>
    </message>
    <message>
        <source>Study</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>征象</translation>
    </message>
    <message>
        <source>Key images</source>
        <translation>关键图像</translation>
    </message>
    <message>
        <source>Finding</source>
        <translation>征象</translation>
    </message>
    <message>
        <source>Probability</source>
        <translation>概率</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>positive</source>
        <translation>阳性</translation>
    </message>
    <message>
        <source>negative</source>
        <translation>阴性</translation>
    </message>
    <message>
        <source>Study description</source>
        <translation>检查描述</translation>
    </message>
    <message>
        <source>Study date</source>
        <translation>检查日期</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>模态</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>序列</translation>
    </message>
    <message>
        <source>Slices</source>
        <translation>层数</translation>
    </message>
    <message>
        <source>Voxel spacing (mm)</source>
        <translation>体素间距（mm）</translation>
    </message>
    <message>
        <source>Patient name</source>
        <translation>患者姓名</translation>
    </message>
    <message>
        <source>Patient ID</source>
        <translation>患者 ID</translation>
    </message>
</context>
<context>
    <name>PredictionController</name>
    <message>
        <source>A model could not be listed: {problem}</source>
        <translation>有一个模型无法列出：{problem}</translation>
    </message>
    <message>
        <source>Open a model folder</source>
        <translation>打开模型文件夹</translation>
    </message>
    <message>
        <source>{folder} is not a usable model folder: {error}</source>
        <translation>{folder} 不是可用的模型文件夹：{error}</translation>
    </message>
    <message>
        <source>Open a study and choose a model first.</source>
        <translation>请先打开一个检查并选择模型。</translation>
    </message>
    <message>
        <source>This MRI model needs a DICOM study folder, not a single file.</source>
        <translation>此 MRI 模型需要 DICOM 检查文件夹，而不是单个文件。</translation>
    </message>
    <message>
        <source>Running {model}...</source>
        <translation>正在运行 {model}...</translation>
    </message>
    <message>
        <source>Loading the model...</source>
        <translation>正在加载模型...</translation>
    </message>
    <message>
        <source>Preprocessing the study...</source>
        <translation>正在预处理检查...</translation>
    </message>
    <message>
        <source>Running the model...</source>
        <translation>正在运行模型...</translation>
    </message>
    <message>
        <source>Prediction failed: {error}</source>
        <translation>预测失败：{error}</translation>
    </message>
    <message>
        <source>The heat map cannot be shown: {error}</source>
        <translation>无法显示热图：{error}</translation>
    </message>
    <message>
        <source>The heat map of {finding} is empty: no region raised the model&apos;s score.</source>
        <translation>{finding} 的热图为空：没有区域提高模型的得分。</translation>
    </message>
    <message>
        <source>Heat map failed: {error}</source>
        <translation>热图计算失败：{error}</translation>
    </message>
    <message>
        <source>Run Predict first; there is nothing to export yet.</source>
        <translation>请先运行预测；目前没有可导出的内容。</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON 文件 (*.json)</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>Export findings</source>
        <translation>导出征象</translation>
    </message>
    <message>
        <source>Include patient name and ID in the report</source>
        <translation>在报告中包含患者姓名和 ID</translation>
    </message>
    <message>
        <source>Export to {path} failed: {error}</source>
        <translation>导出到 {path} 失败：{error}</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>已保存 {path}</translation>
    </message>
    <message>
        <source>Axial</source>
        <translation>轴位</translation>
    </message>
    <message>
        <source>Coronal</source>
        <translation>冠状位</translation>
    </message>
    <message>
        <source>Sagittal</source>
        <translation>矢状位</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Training data</source>
        <translation>训练数据</translation>
    </message>
    <message>
        <source>synthetic phantoms only</source>
        <translation>仅合成体模</translation>
    </message>
    <message>
        <source>GreenRFM Studio findings report</source>
        <translation>GreenRFM Studio 征象报告</translation>
    </message>
    <message>
        <source>Not for clinical use. Research software; the model output must not guide diagnosis or treatment.</source>
        <translation>不得用于临床。本软件仅供研究；模型输出不得用于指导诊断或治疗。</translation>
    </message>
</context>
<context>
    <name>StudyBrowser</name>
    <message>
        <source>Open folder...</source>
        <translation>打开文件夹...</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop the scan; the files read so far are kept</source>
        <translation>停止扫描；保留已读取的文件</translation>
    </message>
    <message>
        <source>Open a folder of DICOM files, a DICOMDIR or a NIfTI file.</source>
        <translation>请打开 DICOM 文件夹、DICOMDIR 或 NIfTI 文件。</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Study date</source>
        <translation>检查日期</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>模态</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>序列</translation>
    </message>
    <message>
        <source>Slices</source>
        <translation>层数</translation>
    </message>
    <message>
        <source>Open series</source>
        <translation>打开序列</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>Recent</source>
        <translation>最近打开</translation>
    </message>
    <message>
        <source>Scanning...</source>
        <translation>正在扫描...</translation>
    </message>
    <message>
        <source>Scanning... {done} of {total} files</source>
        <translation>正在扫描... 第 {done} / {total} 个文件</translation>
    </message>
    <message>
        <source>{series} series in {studies} studies; {dicom} DICOM files, {other} other files.</source>
        <translation>{studies} 个检查中共 {series} 个序列；{dicom} 个 DICOM 文件，{other} 个其他文件。</translation>
    </message>
    <message>
        <source>{count} warnings.</source>
        <translation>{count} 条警告。</translation>
    </message>
    <message>
        <source>Scan cancelled; the list is incomplete.</source>
        <translation>扫描已取消；列表不完整。</translation>
    </message>
    <message>
        <source>axial</source>
        <translation>轴位</translation>
    </message>
    <message>
        <source>coronal</source>
        <translation>冠状位</translation>
    </message>
    <message>
        <source>sagittal</source>
        <translation>矢状位</translation>
    </message>
    <message>
        <source>oblique</source>
        <translation>斜位</translation>
    </message>
    <message>
        <source>mixed</source>
        <translation>混合方位</translation>
    </message>
    <message>
        <source>{modality}, {slices} slices, {plane}</source>
        <translation>{modality}，{slices} 层，{plane}</translation>
    </message>
    <message>
        <source>No preview</source>
        <translation>无预览</translation>
    </message>
</context>
<context>
    <name>ThreeViewViewer</name>
    <message>
        <source>Window/level preset</source>
        <translation>窗宽窗位预设</translation>
    </message>
    <message>
        <source>Reset view</source>
        <translation>重置视图</translation>
    </message>
    <message>
        <source>Heat map opacity</source>
        <translation>热图不透明度</translation>
    </message>
    <message>
        <source>Opacity of the heat map over the images</source>
        <translation>热图叠加在图像上的不透明度</translation>
    </message>
    <message>
        <source>Open a study with File &gt; Open folder, or drop a folder on this window.</source>
        <translation>请通过“文件 &gt; 打开文件夹”打开检查，或将文件夹拖放到此窗口。</translation>
    </message>
    <message>
        <source>Window:</source>
        <translation>窗宽窗位：</translation>
    </message>
    <message>
        <source>Axial</source>
        <translation>轴位</translation>
    </message>
    <message>
        <source>Coronal</source>
        <translation>冠状位</translation>
    </message>
    <message>
        <source>Sagittal</source>
        <translation>矢状位</translation>
    </message>
    <message>
        <source>{name} ({level:g}/{window:g})</source>
        <translation>{name}（{level:g}/{window:g}）</translation>
    </message>
    <message>
        <source>Automatic (percentiles)</source>
        <translation>自动（百分位数）</translation>
    </message>
</context>
<context>
    <name>TrainingJobs</name>
    <message>
        <source>The training wizard is not available: {error}</source>
        <translation>训练向导不可用：{error}</translation>
    </message>
    <message>
        <source>A training job started on {date} is still running. Show its progress?</source>
        <translation>{date} 开始的训练任务仍在运行。是否查看其进度？</translation>
    </message>
    <message>
        <source>A training job started on {date} was interrupted. Open it so you can resume it?</source>
        <translation>{date} 开始的训练任务已中断。是否打开以便继续训练？</translation>
    </message>
    <message>
        <source>Training job</source>
        <translation>训练任务</translation>
    </message>
</context>
<context>
    <name>WindowPreset</name>
    <message>
        <source>Lung</source>
        <translation>肺窗</translation>
    </message>
    <message>
        <source>Mediastinum</source>
        <translation>纵隔窗</translation>
    </message>
    <message>
        <source>Bone</source>
        <translation>骨窗</translation>
    </message>
    <message>
        <source>Abdomen</source>
        <translation>腹部窗</translation>
    </message>
    <message>
        <source>Brain</source>
        <translation>脑窗</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
</context>
</TS>
